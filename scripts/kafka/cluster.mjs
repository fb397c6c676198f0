// A Kafka cluster of several KRaft nodes on loopback ports, for failover tests:
// every node is broker and controller at once (combined mode), the controller
// quorum is all of them, and topics default to one replica per node with
// min.insync.replicas = nodes - 1, so acks=all keeps working with one node down.
//
//   const cluster = await startKafkaCluster({ nodes: 3 });
//   cluster.brokers            // '127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3'
//   await cluster.nodes[0].kill(); await cluster.nodes[0].restart();
//   await cluster.stop();
//
// Each node is a startKafka() handle (scripts/kafka/broker.mjs) with its own
// data dir, log file and watchdog; this module only adds what makes them one
// cluster: a shared cluster id, node ids, the static voter set, and the
// replication settings. CLI: `node scripts/kafka.mjs start --cluster 3`.
import { newClusterId } from './config.mjs';
import { freePorts, startKafka } from './broker.mjs';
import { fetchKafka } from './fetch.mjs';

// Three JVMs share two cores in CI: a smaller heap than a lone broker's 768 MiB,
// only the quick JIT tier (C2's compile threads would compete with three starts and
// three storage formats for the two cores; a test's few hundred records a second need
// no peak throughput), and more time to become ready, since they start at once.
const NODE_HEAP = '384m';
const NODE_JVM_ARGS = ['-XX:TieredStopAtLevel=1'];
const READY_TIMEOUT_MS = 150_000;

/**
 * The server.properties that turn a startKafka() node into node `nodeId` of the cluster.
 * `voters`: `id@host:controllerPort` of every node.
 */
export function clusterProperties({ nodeId, voters, nodes }) {
  const minIsr = Math.max(1, nodes - 1);
  return {
    'node.id': nodeId,
    'controller.quorum.voters': voters,
    'default.replication.factor': nodes,
    'min.insync.replicas': minIsr,
    // Internal topics as a production cluster keeps them: one replica per node. Their
    // partitions stay at one (broker.mjs), so one node is the group coordinator: a test can
    // find it (the leader of __consumer_offsets-0) and kill it.
    'offsets.topic.replication.factor': nodes,
    'transaction.state.log.replication.factor': nodes,
    'transaction.state.log.min.isr': minIsr,
    'share.coordinator.state.topic.replication.factor': nodes,
    'share.coordinator.state.topic.min.isr': minIsr,
    // A restarted node takes back the partitions it prefers to lead only after this check;
    // 300 s by default, so tests would find leaders piled on the nodes that never stopped.
    'leader.imbalance.check.interval.seconds': 5,
  };
}

/**
 * Starts `nodes` (default 3) Kafka nodes that form one cluster; resolves once every node is
 * ready (metadata, group coordinator and idempotent producers work through each).
 * Options: nodes, partitions (default topic partitions, 3), heap and jvmArgs (per node),
 * config (extra server.properties for every node), readyTimeoutMs, keepData.
 *
 * Returns { brokers, nodes: [{ id, port, controllerPort, pid, logFile, kill(), restart() }], stop() }.
 * kill() is a SIGKILL; restart() starts the node again on its ports and data and waits until it
 * is ready. stop() ends every node and removes their data dirs (unless keepData).
 */
export async function startKafkaCluster(options = {}) {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > 9) {
    throw new Error(`startKafkaCluster: nodes must be an integer from 1 to 9, got ${options.nodes}`);
  }
  const started = Date.now();
  const { version } = await fetchKafka();
  const ports = await freePorts(count * 2);
  const specs = Array.from({ length: count }, (_, i) => ({ id: i + 1, port: ports[2 * i], controllerPort: ports[2 * i + 1] }));
  const voters = specs.map((s) => `${s.id}@127.0.0.1:${s.controllerPort}`).join(',');
  const clusterId = newClusterId();
  const brokers = specs.map((s) => `127.0.0.1:${s.port}`).join(',');
  process.stderr.write(`[kafka] starting a ${count}-node cluster (Kafka ${version}, KRaft) on ${brokers} …\n`);

  // All at once: a node's controller waits for a quorum of the others before its broker can
  // register, so starting them one after the other would block on the first.
  const results = await Promise.allSettled(
    specs.map((s) =>
      startKafka({
        name: `node ${s.id} of ${count}`,
        port: s.port,
        controllerPort: s.controllerPort,
        clusterId,
        partitions: options.partitions,
        keepData: options.keepData,
        heap: options.heap ?? NODE_HEAP,
        jvmArgs: options.jvmArgs ?? NODE_JVM_ARGS,
        readyTimeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS,
        config: { ...clusterProperties({ nodeId: s.id, voters, nodes: count }), ...options.config },
      }),
    ),
  );
  const handles = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(handles.map((h) => h.stop()));
    throw new Error(`Kafka cluster of ${count} nodes did not start: ${failed.reason?.message ?? failed.reason}`, { cause: failed.reason });
  }

  const nodes = specs.map((s, i) => {
    const handle = handles[i];
    return {
      id: s.id,
      port: s.port,
      controllerPort: s.controllerPort,
      broker: `127.0.0.1:${s.port}`,
      logFile: handle.logFile,
      dataDir: handle.dataDir,
      get pid() {
        return handle.pid;
      },
      kill: () => handle.kill(),
      restart: () => handle.restart(),
    };
  });
  let stopping;
  const cluster = {
    external: false,
    version,
    brokers,
    port: specs[0].port,
    nodes,
    /** The node whose node id (as Kafka metadata names it: a partition's leader, say) is `id`. */
    node(id) {
      const found = nodes.find((n) => n.id === id);
      if (!found) throw new Error(`no node ${id} in this cluster (nodes ${nodes.map((n) => n.id).join(', ')})`);
      return found;
    },
    /**
     * Ends every node. SIGKILL first unless keepData: a graceful stop of a node asks the
     * controller quorum for leave, and once the others are going too there is no quorum to ask
     * (each would sit out broker.mjs's 20 s escalation). A kept data dir gets a graceful stop,
     * one node after the other, so its logs are clean for the next start.
     */
    stop() {
      stopping ??= (async () => {
        if (options.keepData) {
          for (const handle of handles) await handle.stop();
        } else {
          await Promise.all(handles.map((h) => h.kill()));
          await Promise.all(handles.map((h) => h.stop()));
        }
      })();
      return stopping;
    },
  };
  process.stderr.write(
    `[kafka] ${count}-node cluster ready at ${brokers} in ${((Date.now() - started) / 1000).toFixed(1)}s ` +
      `(logs: ${nodes.map((n) => n.logFile).join(', ')})\n`,
  );
  return cluster;
}
