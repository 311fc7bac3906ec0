"""Records: create, assert, get, update (append or overwrite), delete, values, query, search."""
