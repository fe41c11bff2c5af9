// A real HTTP server that streams a /metrics body of any size, made on the fly as the client reads
// it (never held in memory), and says how much it sent before the client went away.
import { createServer, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./serve-text.ts";

export interface StreamServer {
  url: string;
  /** Resolves once the first response has ended or its client closed the connection. */
  finished(): Promise<{ complete: boolean; sent: number }>;
  close(): Promise<void>;
}

export interface StreamOptions {
  /** Total body size in bytes. */
  bytes: number;
  /** "one": a single line of that many bytes; "many": short sample lines. */
  lines: "one" | "many";
  /** Send a Content-Length header (else the body is chunked). */
  contentLength?: boolean;
}

const CHUNK = 64 * 1024;

/** `size` bytes of body starting at `offset`: one endless metric name, or `a 1\n` lines. */
function piece(lines: StreamOptions["lines"], offset: number, size: number): Buffer {
  if (lines === "one") return Buffer.alloc(size, "a");
  const line = "a 1\n";
  const start = offset % line.length;
  return Buffer.from(line.repeat(Math.ceil((start + size) / line.length) + 1).slice(start, start + size));
}

export async function serveStream(options: StreamOptions): Promise<StreamServer> {
  let done: (result: { complete: boolean; sent: number }) => void = () => {};
  const finished = new Promise<{ complete: boolean; sent: number }>((resolve) => {
    done = resolve;
  });
  const server = createServer((request, response) => {
    if (request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
      ...(options.contentLength ? { "Content-Length": String(options.bytes) } : {}),
    });
    const body = { offset: 0 };
    response.on("close", () => done({ complete: response.writableFinished, sent: body.offset }));
    pump(response, body);
  });

  /** Writes while the socket takes it, then waits for drain: memory stays at one chunk. */
  function pump(response: ServerResponse, body: { offset: number }): void {
    while (body.offset < options.bytes && !response.destroyed) {
      const size = Math.min(CHUNK, options.bytes - body.offset);
      const chunk = piece(options.lines, body.offset, size);
      body.offset += size;
      if (!response.write(chunk)) {
        response.once("drain", () => pump(response, body));
        return;
      }
    }
    if (body.offset >= options.bytes) response.end();
  }

  return { ...(await listenOnLoopback(server)), finished: () => finished };
}
