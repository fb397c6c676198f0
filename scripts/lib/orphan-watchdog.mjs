// A server started for a test run (the Kafka broker, a private PostgreSQL) must not outlive the
// process that started it, even when that process is SIGKILLed and never runs its exit hooks.
// This detached shell polls the parent pid; once the parent is gone it sends `signal` to the
// server, waits up to `graceSeconds`, SIGKILLs it and removes its temp directory. It exits by
// itself when the server is gone, so a restart simply spawns a new watchdog. `alive` treats
// zombies as dead: an orphaned server is reparented to PID 1, which may reap it only much later.
import { spawn } from 'node:child_process';

const SCRIPT = `
parent=$1 server=$2 dir=$3 signal=$4 ticks=$5
alive() { s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; case "$s" in *Z*) return 1;; esac; }
while alive "$parent"; do
  alive "$server" || exit 0
  sleep 1
done
kill -"$signal" "$server" 2>/dev/null
i=0
while alive "$server" && [ $i -lt "$ticks" ]; do sleep 0.5; i=$((i+1)); done
kill -KILL "$server" 2>/dev/null
[ -n "$dir" ] && rm -rf "$dir"
exit 0
`;

/**
 * @param {{ name: string, serverPid: number, dir?: string, signal: 'TERM' | 'QUIT' | 'INT', graceSeconds: number }} options
 */
export function spawnOrphanWatchdog({ name, serverPid, dir = '', signal, graceSeconds }) {
  spawn(
    '/bin/sh',
    ['-c', SCRIPT, name, String(process.pid), String(serverPid), dir, signal, String(Math.ceil(graceSeconds * 2))],
    { detached: true, stdio: 'ignore' },
  ).unref();
}
