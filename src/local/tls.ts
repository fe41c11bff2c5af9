// A local HTTPS endpoint with a real certificate, probed by blackbox-exporter like https://<domain>.
// A local CA issues the server certificate (openssl: Node can parse X.509 but not create it); the
// certificate's lifetime can be switched while running, for the cert-expiring and cert-critical
// faults, by issuing a new one and swapping the server's secure context.
import { execFile } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { isIP } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { assertPortFree } from "./supervisor.ts";

const run = promisify(execFile);
const OPENSSL = "/usr/bin/openssl";

/** Lifetime of the certificate while no fault shortens it: well clear of the 30-day warning. */
export const HEALTHY_CERTIFICATE_DAYS = 90;

export interface CertificateAuthority {
  certFile: string;
  keyFile: string;
}

export interface ServerCertificate {
  certFile: string;
  keyFile: string;
  notAfter: Date;
}

async function openssl(args: readonly string[]): Promise<void> {
  await run(OPENSSL, [...args]).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`openssl ${args[0]} failed: ${error.stderr?.trim() || error.message}`);
  });
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export async function createCertificateAuthority(dir: string): Promise<CertificateAuthority> {
  const ca = { certFile: join(dir, "ca.crt"), keyFile: join(dir, "ca.key") };
  await openssl([
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    ca.keyFile,
    "-out",
    ca.certFile,
    "-days",
    "3650",
    "-subj",
    "/O=plue-monitoring/CN=plue-monitoring local CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return ca;
}

/** Issues a certificate for host, valid from now for `days` days, signed by the CA. */
export async function issueServerCertificate(
  ca: CertificateAuthority,
  dir: string,
  host: string,
  days: number,
): Promise<ServerCertificate> {
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`certificate lifetime must be whole days ≥ 1, got ${days}`);
  const keyFile = join(dir, "server.key");
  const csrFile = join(dir, "server.csr");
  const certFile = join(dir, "server.crt");
  const extFile = join(dir, "server.ext");
  const altName = isIP(host) ? `IP:${host}` : `DNS:${host}`;
  writeFileSync(
    extFile,
    [
      `subjectAltName=${altName}`,
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      "",
    ].join("\n"),
  );
  await openssl(["req", "-new", ...EC_KEY, "-keyout", keyFile, "-out", csrFile, "-subj", `/CN=${host}`]);
  await openssl([
    "x509",
    "-req",
    "-in",
    csrFile,
    "-CA",
    ca.certFile,
    "-CAkey",
    ca.keyFile,
    "-set_serial",
    `0x${randomBytes(16).toString("hex")}`,
    "-days",
    String(days),
    "-extfile",
    extFile,
    "-out",
    certFile,
  ]);
  const notAfter = new Date(new X509Certificate(readFileSync(certFile)).validTo);
  return { certFile, keyFile, notAfter };
}

export interface TlsEndpointOptions {
  host: string;
  port: number;
  portFlag?: string;
  /** A private directory for the CA and certificates. */
  dir: string;
  lifetimeDays?: number;
}

export interface TlsEndpoint {
  /** https://host:port — what blackbox-exporter probes, as the probe's `instance` label shows it. */
  readonly url: string;
  /** The local CA's certificate, which a prober must trust. */
  readonly caFile: string;
  notAfter(): Date;
  lifetimeDays(): number;
  /** Issues a certificate valid for `days` from now and serves it to every new connection. */
  setLifetime(days: number): Promise<void>;
  /** The HTTP status every request gets: 200 when healthy, 503 while the endpoint is "down". */
  setStatus(status: number): void;
  close(): Promise<void>;
}

export async function startTlsEndpoint(options: TlsEndpointOptions): Promise<TlsEndpoint> {
  await assertPortFree("tls-endpoint", {
    host: options.host,
    port: options.port,
    flag: options.portFlag ?? "--tls-endpoint-port",
  });
  const ca = await createCertificateAuthority(options.dir);
  let lifetime = options.lifetimeDays ?? HEALTHY_CERTIFICATE_DAYS;
  let current = await issueServerCertificate(ca, options.dir, options.host, lifetime);
  let status = 200;
  const secureContext = (certificate: ServerCertificate) => ({
    key: readFileSync(certificate.keyFile),
    cert: readFileSync(certificate.certFile),
  });

  const server: Server = createServer(secureContext(current), (_request, response) => {
    response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    response.end(status === 200 ? "Plue (local HTTPS endpoint)\n" : "Service Unavailable\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });

  return {
    url: `https://${options.host}:${options.port}`,
    caFile: ca.certFile,
    notAfter: () => current.notAfter,
    lifetimeDays: () => lifetime,
    async setLifetime(days) {
      const next = await issueServerCertificate(ca, options.dir, options.host, days);
      server.setSecureContext(secureContext(next));
      current = next;
      lifetime = days;
      // Connections kept alive would go on presenting the old certificate.
      server.closeIdleConnections();
    },
    setStatus(next) {
      status = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
