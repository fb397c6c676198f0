// What the figures were measured on: they mean little without it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, ROOT } from './proc.mjs';
import { withClient } from './seed.mjs';

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export async function machineInfo({ databaseUrl, kafka }) {
  const cpus = os.cpus();
  const pgInfo = await withClient(databaseUrl, async (client) => {
    const setting = async (name) => (await client.query(`SELECT current_setting($1) AS v`, [name])).rows[0].v;
    return {
      version: await setting('server_version'),
      shared_buffers: await setting('shared_buffers'),
      synchronous_commit: await setting('synchronous_commit'),
      fsync: await setting('fsync'),
    };
  });
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain']).length > 0;
  return {
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: pgInfo.version,
    postgresSettings: pgInfo,
    kafka: kafka.external ? `external (${kafka.brokers})` : `Apache Kafka ${kafka.version} (KRaft, single node)`,
    kafkajs: packageVersion('kafkajs'),
    pgTransactionalOutbox: packageVersion('pg-transactional-outbox'),
    prisma: packageVersion('@prisma/client'),
    git: commit ? `${commit}${dirty ? ' (uncommitted changes)' : ''}` : 'unknown',
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
