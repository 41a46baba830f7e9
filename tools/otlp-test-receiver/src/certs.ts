// Test certificates made with the openssl CLI: a CA, a server certificate for 127.0.0.1/localhost,
// a client certificate for mTLS, and an unrelated CA (for "wrong CA is refused" tests).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** Folder holding every file below (PEM). */
  dir: string;
  caCert: string;
  caCertPath: string;
  serverCert: string;
  serverCertPath: string;
  serverKey: string;
  serverKeyPath: string;
  clientCert: string;
  clientCertPath: string;
  clientKey: string;
  clientKeyPath: string;
  /** A CA that signed nothing here. */
  otherCaCert: string;
  otherCaCertPath: string;
  /** Deletes the folder. */
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`createTestCertificates: openssl ${args[0]} failed: ${stderr || (error as Error).message}`, { cause: error });
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(
    ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
}

function makeLeaf(dir: string, name: string, ca: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`],
    dir,
  );
}

/** Makes fresh certificates in a temporary folder (needs the `openssl` binary). */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'otlp-test-certs-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  makeLeaf(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth\n');
  const path = (file: string): string => join(dir, file);
  const read = (file: string): string => readFileSync(path(file), 'utf8');
  return {
    dir,
    caCert: read('ca.crt'),
    caCertPath: path('ca.crt'),
    serverCert: read('server.crt'),
    serverCertPath: path('server.crt'),
    serverKey: read('server.key'),
    serverKeyPath: path('server.key'),
    clientCert: read('client.crt'),
    clientCertPath: path('client.crt'),
    clientKey: read('client.key'),
    clientKeyPath: path('client.key'),
    otherCaCert: read('other-ca.crt'),
    otherCaCertPath: path('other-ca.crt'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
