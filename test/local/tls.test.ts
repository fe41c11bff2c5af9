import { readFileSync } from "node:fs";
import { connect, type PeerCertificate } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTlsEndpoint, type TlsEndpoint } from "../../src/local/tls.ts";
import { freePort, runCommand, tempDir } from "../helpers/system.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The certificate a verifying client sees on a fresh connection (trusting only the local CA). */
function presentedCertificate(endpoint: TlsEndpoint, port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      ca: readFileSync(endpoint.caFile),
      rejectUnauthorized: true,
    });
    socket.once("secureConnect", () => {
      const certificate = socket.getPeerCertificate();
      socket.end();
      resolve(certificate);
    });
    socket.once("error", reject);
  });
}

function daysLeft(validTo: string): number {
  return (new Date(validTo).getTime() - Date.now()) / DAY_MS;
}

describe("local HTTPS endpoint", () => {
  const dir = tempDir();
  let endpoint: TlsEndpoint;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    endpoint = await startTlsEndpoint({ host: "127.0.0.1", port, dir: dir.path });
  });

  afterAll(async () => {
    await endpoint?.close();
    dir.cleanup();
  });

  it("serves HTTPS with a certificate for 127.0.0.1 that verifies against the local CA, valid 90 days", async () => {
    const certificate = await presentedCertificate(endpoint, port);
    expect(certificate.subjectaltname).toBe("IP Address:127.0.0.1");
    expect(daysLeft(certificate.valid_to)).toBeGreaterThan(89.9);
    expect(daysLeft(certificate.valid_to)).toBeLessThan(90.1);
    expect(endpoint.lifetimeDays()).toBe(90);
  });

  it("switches to a certificate expiring in 20 days, then 3, then back, as new connections see", async () => {
    await endpoint.setLifetime(20);
    const expiring = await presentedCertificate(endpoint, port);
    expect(daysLeft(expiring.valid_to)).toBeGreaterThan(19.9);
    expect(daysLeft(expiring.valid_to)).toBeLessThan(20.1);
    expect(endpoint.notAfter().getTime()).toBe(new Date(expiring.valid_to).getTime());

    await endpoint.setLifetime(3);
    const critical = await presentedCertificate(endpoint, port);
    expect(daysLeft(critical.valid_to)).toBeGreaterThan(2.9);
    expect(daysLeft(critical.valid_to)).toBeLessThan(3.1);

    await endpoint.setLifetime(90);
    expect(daysLeft((await presentedCertificate(endpoint, port)).valid_to)).toBeGreaterThan(89.9);
  });

  it("is a valid chain for openssl too, with the switched expiry", async () => {
    await endpoint.setLifetime(20);
    try {
      const shown = await runCommand("sh", [
        "-c",
        `openssl s_client -connect 127.0.0.1:${port} -CAfile ${endpoint.caFile} -verify_return_error -verify_ip 127.0.0.1 </dev/null 2>/dev/null | openssl x509 -noout -enddate -checkend ${21 * 86400}`,
      ]);
      // -checkend: "will expire" within 21 days (exit 1) — and the chain verified, or s_client printed nothing.
      expect(shown.stdout).toMatch(/^notAfter=.*\nCertificate will expire/);
      const notAfter = new Date(shown.stdout.split("\n")[0]?.replace("notAfter=", "") ?? "");
      expect(daysLeft(notAfter.toISOString())).toBeGreaterThan(19.9);
    } finally {
      await endpoint.setLifetime(90);
    }
  });

  it("answers HTTP 200 over the verified connection", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, ca: readFileSync(endpoint.caFile) }, () => {
        socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      });
      let response = "";
      socket.on("data", (chunk) => {
        response += chunk;
      });
      socket.on("end", () => resolve(Number(response.split(" ")[1])));
      socket.on("error", reject);
    });
    expect(status).toBe(200);
  });
});
