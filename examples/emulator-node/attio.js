// A minimal Attio REST client in the shape of the published JS clients: the API key and,
// optionally, the base URL (https://api.attio.com by default) are all it is given. Point
// `baseURL` at the emulator and the same code runs against it.

export class AttioError extends Error {
  constructor(status, body, headers) {
    super(`Attio answered ${status}: ${body?.message ?? ""}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export class Attio {
  constructor({ apiKey, baseURL = "https://api.attio.com" }) {
    this.apiKey = apiKey;
    this.baseURL = baseURL.replace(/\/$/, "");
  }

  async request(method, path, body) {
    const response = await fetch(`${this.baseURL}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!response.ok) throw new AttioError(response.status, parsed, response.headers);
    return parsed;
  }

  createRecord(object, values) {
    return this.request("POST", `/v2/objects/${object}/records`, { data: { values } });
  }

  queryRecords(object, query = {}) {
    return this.request("POST", `/v2/objects/${object}/records/query`, query);
  }

  createWebhook(targetUrl, eventTypes) {
    const subscriptions = eventTypes.map((event_type) => ({ event_type, filter: null }));
    return this.request("POST", "/v2/webhooks", { data: { target_url: targetUrl, subscriptions } });
  }
}

// Retry a call when Attio answers 429, waiting until its Retry-After (an HTTP date).
export async function withRetries(call, attempts = 5) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof AttioError) || error.status !== 429 || attempt >= attempts) throw error;
      const until = Date.parse(error.headers.get("retry-after") ?? "") || Date.now() + 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(until - Date.now(), 0), 10000)));
    }
  }
}
