"""The gateway's own outbound events: signed, retried deliveries to an app's URL, with a log."""
