// Certificates for the local control plane. Node's crypto cannot issue X.509
// certificates, so this drives the openssl CLI (present on Debian-based machines).
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; code?: string };
    if (e.code === 'ENOENT') throw new Error('the local control plane needs the openssl CLI to issue certificates; install it (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? String(err)}`);
  }
}

export interface CertPair {
  cert: string; // path to PEM certificate
  key: string; // path to PEM private key
}

/** A certificate authority in a folder, able to issue serving and client certificates. */
export class CertAuthority {
  readonly cert: string;
  readonly key: string;
  private serial = 1;

  private constructor(readonly dir: string) {
    this.cert = join(dir, 'ca.crt');
    this.key = join(dir, 'ca.key');
  }

  static async create(dir: string): Promise<CertAuthority> {
    await mkdir(dir, { recursive: true });
    const ca = new CertAuthority(dir);
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', ca.key, '-out', ca.cert, '-days', '3650', '-subj', '/CN=sqlflow-local-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], dir);
    return ca;
  }

  /** A serving certificate valid for localhost and 127.0.0.1 (plus any extra names). */
  serving(name: string, hosts: string[] = []): Promise<CertPair> {
    const sans = ['DNS:localhost', 'IP:127.0.0.1', ...hosts.map((h) => (/^[\d.]+$/.test(h) ? `IP:${h}` : `DNS:${h}`))];
    return this.issue(name, `/CN=${name}`, [`subjectAltName=${sans.join(',')}`, 'extendedKeyUsage=serverAuth', 'keyUsage=critical,digitalSignature,keyEncipherment']);
  }

  /** A client certificate: the apiserver reads the user from CN and the groups from O. */
  client(file: string, user: string, groups: string[] = []): Promise<CertPair> {
    const subject = [...groups.map((g) => `/O=${escapeSubject(g)}`), `/CN=${escapeSubject(user)}`].join('');
    return this.issue(file, subject, ['extendedKeyUsage=clientAuth', 'keyUsage=critical,digitalSignature,keyEncipherment']);
  }

  private async issue(file: string, subject: string, exts: string[]): Promise<CertPair> {
    const base = join(this.dir, file.replace(/[^A-Za-z0-9_.-]/g, '_'));
    const pair = { cert: `${base}.crt`, key: `${base}.key` };
    const extFile = `${base}.ext`;
    await writeFile(extFile, exts.join('\n') + '\n');
    await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', pair.key, '-out', `${base}.csr`, '-subj', subject], this.dir);
    await openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', this.cert, '-CAkey', this.key,
      '-set_serial', String(Date.now() * 1000 + this.serial++), '-days', '3650', '-out', pair.cert, '-extfile', extFile], this.dir);
    return pair;
  }
}

function escapeSubject(s: string): string {
  return s.replace(/([/,=+\\])/g, '\\$1');
}

/** An RSA key pair for signing service-account tokens. */
export async function serviceAccountKeys(dir: string): Promise<{ key: string; pub: string }> {
  const key = join(dir, 'sa.key');
  const pub = join(dir, 'sa.pub');
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key], dir);
  await openssl(['pkey', '-in', key, '-pubout', '-out', pub], dir);
  return { key, pub };
}

export async function readPem(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
