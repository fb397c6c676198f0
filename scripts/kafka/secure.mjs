// A single-node Kafka with a SASL_SSL listener beside its PLAINTEXT one, for the tests of
// outboxkit's secured connections (TLS + SASL PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512).
//
//   const kafka = await startSecureKafka();
//   kafka.secureBrokers   // '127.0.0.1:PORT' — the SASL_SSL listener
//   kafka.brokers         // '127.0.0.1:PORT' — plaintext, for test set-up (topics) and readiness
//   kafka.caPem           // the CA that signed the broker's certificate (PEM, what kafkajs takes)
//   kafka.untrustedCaPem  // another CA, which signed nothing the broker has
//   kafka.users           // [{ name, password }]: SCRAM (both mechanisms) and PLAIN users
//   kafka.mtlsBrokers     // an SSL listener that requires a client certificate (when openssl is
//   kafka.clientCertPem   // there to export keytool's key as PEM), and that certificate and key
//   await kafka.stop();
//
// Certificates are made with the JDK's keytool (a CA, and the broker's key pair in a PKCS12
// keystore signed by it, valid for 127.0.0.1 and localhost); keytool exports the CA's
// certificate as PEM, so no openssl is needed. The SCRAM users are written at
// `kafka-storage format` time (--add-scram, KIP-900): a KRaft broker takes them from its
// bootstrap metadata, so they exist before the first client connects.
//
// The broker itself is a startKafka() of broker.mjs: this module prepares its data dir (the
// formatted storage with the users, the keystore) and passes the listeners as extra
// server.properties, so broker.mjs needs nothing of its own for it.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafka } from './broker.mjs';
import { javaBin, jvmArgs, LOG4J2, serverProperties } from './config.mjs';
import { fetchKafka } from './fetch.mjs';

const DEFAULT_PARTITIONS = 3;

const QUICK_JVM = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC', '-J-Xshare:auto'];
const keytoolBin = () => (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'keytool') : 'keytool');

function run(what, command, args) {
  return new Promise((ok, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => fail(new Error(`cannot run ${command} (need a JDK 17+ with keytool): ${err.message}`)));
    child.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`${what} failed (exit ${code}):\n${out}`))));
  });
}

async function freePort() {
  const server = net.createServer();
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** Where makeCertificates() puts the broker's keystore and truststore. */
export const certificateFiles = (dir) => ({ keystore: join(dir, 'broker.p12'), truststore: join(dir, 'truststore.p12') });

/** Whether openssl can be run: it turns the client's PKCS12 store into the PEM files kafkajs takes. */
export function hasOpenssl() {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * A CA and certificates it signed, in `dir`: broker.p12 (the broker's keystore, with the chain),
 * truststore.p12 (the CA, for brokers that check client certificates), ca.pem (the CA's
 * certificate) and untrusted-ca.pem (a CA that signed nothing here); with `client` (needs
 * openssl) also client.pem and client.key, a client certificate and its unencrypted key.
 * Returns the stores' locations and password and the PEMs.
 */
export async function makeCertificates(dir, password = randomBytes(12).toString('hex'), { client = false } = {}) {
  // A quick-starting JVM: keytool runs about a dozen times, and its work is small.
  const keytool = (what, args) => run(`keytool ${what}`, keytoolBin(), [...QUICK_JVM, ...args]);
  const store = (file) => ['-keystore', join(dir, file), '-storetype', 'PKCS12', '-storepass', password];
  const names = 'SAN=ip:127.0.0.1,dns:localhost';
  const newKeyPair = (file, alias, dname, extensions) =>
    keytool(`-genkeypair ${alias}`, [
      // EC keys: made in a moment, where RSA keys take the JVM a while.
      '-genkeypair', '-alias', alias, '-keyalg', 'EC', '-groupname', 'secp256r1', '-validity', '2', '-dname', dname,
      ...extensions.flatMap((e) => ['-ext', e]), ...store(file),
    ]);
  const sign = (name, extensions) =>
    keytool(`-gencert ${name}`, [
      '-gencert', '-alias', 'ca', '-rfc', '-validity', '2', ...extensions.flatMap((e) => ['-ext', e]),
      '-infile', join(dir, `${name}.csr`), '-outfile', join(dir, `${name}.pem`), ...store('ca.p12'),
    ]);
  // A keystore needs the CA before it takes the signed certificate as the key's chain.
  const chain = async (name) => {
    await keytool(`-importcert ca into ${name}`, ['-importcert', '-noprompt', '-alias', 'ca', '-file', join(dir, 'ca.pem'), ...store(`${name}.p12`)]);
    await keytool(`-importcert ${name}`, ['-importcert', '-noprompt', '-alias', name, '-file', join(dir, `${name}.pem`), ...store(`${name}.p12`)]);
  };
  const pairs = client ? ['broker', 'client'] : ['broker'];
  // Each step's JVMs do not depend on each other: they run at once.
  await Promise.all([
    newKeyPair('ca.p12', 'ca', 'CN=outboxkit test CA', ['bc:c']),
    newKeyPair('untrusted-ca.p12', 'ca', 'CN=outboxkit untrusted test CA', ['bc:c']),
    newKeyPair('broker.p12', 'broker', 'CN=localhost', [names]),
    ...(client ? [newKeyPair('client.p12', 'client', 'CN=outboxkit-test-client', [])] : []),
  ]);
  await Promise.all([
    keytool('-exportcert ca', ['-exportcert', '-rfc', '-alias', 'ca', '-file', join(dir, 'ca.pem'), ...store('ca.p12')]),
    keytool('-exportcert untrusted', ['-exportcert', '-rfc', '-alias', 'ca', '-file', join(dir, 'untrusted-ca.pem'), ...store('untrusted-ca.p12')]),
    ...pairs.map((name) => keytool(`-certreq ${name}`, ['-certreq', '-alias', name, '-file', join(dir, `${name}.csr`), ...store(`${name}.p12`)])),
  ]);
  await Promise.all([sign('broker', [names]), ...(client ? [sign('client', ['EKU=clientAuth'])] : [])]);
  await Promise.all([
    ...pairs.map(chain),
    keytool('-importcert truststore', ['-importcert', '-noprompt', '-alias', 'ca', '-file', join(dir, 'ca.pem'), ...store('truststore.p12')]),
  ]);
  const pem = (file) => readFile(join(dir, file), 'utf8');
  const result = {
    ...certificateFiles(dir),
    password,
    caFile: join(dir, 'ca.pem'),
    caPem: await pem('ca.pem'),
    untrustedCaFile: join(dir, 'untrusted-ca.pem'),
    untrustedCaPem: await pem('untrusted-ca.pem'),
  };
  if (!client) return result;
  // keytool exports no private key; openssl reads the PKCS12 store it wrote.
  const pkcs12 = (what, out, flags) =>
    run(`openssl pkcs12 ${what}`, 'openssl', ['pkcs12', '-in', join(dir, 'client.p12'), '-passin', `pass:${password}`, ...flags, '-out', join(dir, out)]);
  await Promise.all([pkcs12('key', 'client.key', ['-nocerts', '-nodes']), pkcs12('certificate', 'client-chain.pem', ['-nokeys', '-clcerts'])]);
  return {
    ...result,
    clientCertFile: join(dir, 'client-chain.pem'),
    clientKeyFile: join(dir, 'client.key'),
    clientCertPem: await pem('client-chain.pem'),
    clientKeyPem: await pem('client.key'),
  };
}

/**
 * The server.properties that add the SASL_SSL listener on `securePort` to broker.mjs's PLAINTEXT
 * one, and with `mtlsPort` an SSL listener that requires a client certificate signed by the CA.
 */
export function secureListenerProperties({ port, controllerPort, securePort, mtlsPort, certificates, plainUsers }) {
  const jaas = (module, extra = '') => `org.apache.kafka.common.security.${module} required${extra};`;
  const mtls = mtlsPort === undefined ? '' : `,SSL://127.0.0.1:${mtlsPort}`;
  return {
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SASL_SSL://127.0.0.1:${securePort}${mtls}`,
    // A client is answered with the endpoints of the listener it connected to: one that came in
    // through SASL_SSL stays on SASL_SSL.
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${securePort}${mtls}`,
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL${mtls ? ',SSL:SSL' : ''}`,
    ...(mtls
      ? {
          'listener.name.ssl.ssl.client.auth': 'required',
          'listener.name.ssl.ssl.truststore.type': 'PKCS12',
          'listener.name.ssl.ssl.truststore.location': certificates.truststore,
          'listener.name.ssl.ssl.truststore.password': certificates.password,
        }
      : {}),
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': jaas('scram.ScramLoginModule'),
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': jaas('scram.ScramLoginModule'),
    'listener.name.sasl_ssl.plain.sasl.jaas.config': jaas(
      'plain.PlainLoginModule',
      plainUsers.map((u) => ` user_${u.name}="${u.password}"`).join(''),
    ),
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': certificates.keystore,
    'ssl.keystore.password': certificates.password,
    'ssl.key.password': certificates.password,
    'ssl.client.auth': 'none',
  };
}

/**
 * Starts a broker with a SASL_SSL listener. Options: users (default one, `alice`, with a random
 * password; each gets SCRAM-SHA-256 and SCRAM-SHA-512 credentials and a PLAIN login), partitions,
 * heap, readyTimeoutMs, clientCertificates (default: when openssl is there). Resolves with
 * startKafka()'s handle plus secureBrokers, securePort, caPem/caFile,
 * untrustedCaPem/untrustedCaFile and users; with client certificates also mtlsBrokers (an SSL
 * listener that requires one) and clientCertPem/clientKeyPem (files: clientCertFile,
 * clientKeyFile). stop() also removes the certificates.
 */
export async function startSecureKafka(options = {}) {
  const { libs } = await fetchKafka();
  const users = options.users ?? [{ name: 'alice', password: randomBytes(12).toString('hex') }];
  for (const user of users) {
    // The storage tool's --add-scram and the JAAS line have no quoting for these.
    if (!/^[A-Za-z0-9_.-]+$/.test(user.name) || !/^[A-Za-z0-9_.-]+$/.test(user.password)) {
      throw new Error(`secure Kafka users need names and passwords of letters, digits, "_", "." and "-" (got user ${user.name})`);
    }
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'outboxkit-kafka-secure-'));
  try {
    const certDir = join(dataDir, 'certs');
    await mkdir(certDir);
    const client = options.clientCertificates ?? hasOpenssl();
    const [port, controllerPort, securePort, mtlsPort] = await Promise.all([freePort(), freePort(), freePort(), client ? freePort() : undefined]);
    const picked = [port, controllerPort, securePort, mtlsPort].filter((p) => p !== undefined);
    if (new Set(picked).size < picked.length) throw new Error('free port picks collided; try again');
    const keystorePassword = randomBytes(12).toString('hex');
    const keystore = { ...certificateFiles(certDir), password: keystorePassword };
    const config = { ...secureListenerProperties({ port, controllerPort, securePort, mtlsPort, certificates: keystore, plainUsers: users }), ...options.config };
    // Formatted here, with the SCRAM users, into the log dir startKafka() uses; it formats only
    // a data dir without meta.properties, so it leaves this one as it is. The storage tool does
    // not open the keystore, so the certificates are made meanwhile.
    const logDir = join(dataDir, 'kraft-logs');
    const propsFile = join(dataDir, 'server.properties');
    const partitions = options.partitions ?? DEFAULT_PARTITIONS;
    await writeFile(propsFile, serverProperties({ port, controllerPort, logDir, partitions, config }));
    await writeFile(join(dataDir, 'log4j2.properties'), LOG4J2);
    let clusterId;
    do clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-'));
    const scram = users.flatMap((u) =>
      ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${u.name},password=${u.password}]`]),
    );
    const [certificates] = await Promise.all([
      makeCertificates(certDir, keystorePassword, { client }),
      run('kafka-storage format --add-scram', javaBin(), [
        ...jvmArgs({ libs, dataDir }), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, ...scram,
      ]),
    ]);
    const kafka = await startKafka({
      port,
      controllerPort,
      dataDir,
      partitions,
      config,
      heap: options.heap,
      readyTimeoutMs: options.readyTimeoutMs,
    });
    const stop = kafka.stop.bind(kafka);
    // startKafka() keeps a data dir it was given; this one is ours (certificates included).
    kafka.stop = async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    };
    return Object.assign(kafka, {
      secureBrokers: `127.0.0.1:${securePort}`,
      securePort,
      caPem: certificates.caPem,
      caFile: certificates.caFile,
      untrustedCaPem: certificates.untrustedCaPem,
      untrustedCaFile: certificates.untrustedCaFile,
      // With client certificates (openssl present): an SSL listener that requires one.
      ...(client
        ? {
            mtlsBrokers: `127.0.0.1:${mtlsPort}`,
            clientCertPem: certificates.clientCertPem,
            clientKeyPem: certificates.clientKeyPem,
            clientCertFile: certificates.clientCertFile,
            clientKeyFile: certificates.clientKeyFile,
          }
        : {}),
      users,
    });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
