// An HTTP listener standing in for Alertmanager's webhook receivers: it records every delivery, by the
// path it was sent to (one path per receiver in the local alertmanager.yml).
import { createServer, type Server } from "node:http";

export interface WebhookDelivery {
  path: string;
  receivedAt: number;
  body: {
    receiver?: string;
    status?: string;
    alerts?: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
  };
}

/** Listens on 127.0.0.1:port and appends each delivery to `deliveries`. */
export function startWebhookInbox(port: number, deliveries: WebhookDelivery[]): Promise<Server> {
  const server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on("end", () => {
      deliveries.push({ path: request.url ?? "", receivedAt: Date.now(), body: JSON.parse(text || "{}") });
      response.writeHead(200).end("ok");
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}
