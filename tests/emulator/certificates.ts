/**
 * Certificates for the emulated Kubernetes API servers, made with `openssl` when a cluster is created: a CA of
 * the cluster's own (DescribeCluster returns it, base64 of the PEM, as EKS does) and a server certificate it signs
 * for 127.0.0.1 (the subject alternative name Node checks). EC P-256 keys: fast to make, as real as RSA for TLS.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ServerCertificates {
  /** The CA certificate, PEM. */
  caPem: string;
  /** The server's certificate (signed by the CA) and its private key, PEM. */
  certPem: string;
  keyPem: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

export function makeServerCertificates(commonName: string): ServerCertificates {
  const dir = mkdtempSync(join(tmpdir(), "eks-emulator-tls-"));
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(dir, "req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", `/CN=${commonName.replace(/[/=+,]/g, " ")} emulator CA`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    openssl(dir, "req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=kube-apiserver");
    writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
    openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext");
    const read = (file: string) => readFileSync(join(dir, file), "utf8");
    return { caPem: read("ca.crt"), certPem: read("server.crt"), keyPem: read("server.key") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let shared: ServerCertificates | undefined;

/** One CA and server certificate for every emulated cluster that does not ask for its own, made once per process. */
export function sharedServerCertificates(): ServerCertificates {
  return (shared ??= makeServerCertificates("shared"));
}
