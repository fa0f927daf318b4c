/**
 * What `asc-token exec` does so that COMMAND and the token file do not outlive it (issue #20, finding 5).
 *
 * A signal that would end asc-token is caught, passed on to COMMAND and waited on: COMMAND ends, the token file is
 * removed, asc-token exits with COMMAND's code. That is every signal that ends a Node process by default and that a
 * listener may safely take (`FORWARDED_SIGNALS`, those of them this platform has). Not in it:
 *  - SIGKILL and SIGSTOP, which no process can catch;
 *  - SIGILL, SIGBUS, SIGFPE and SIGSEGV: Node's documentation says a listener for them leaves a process that really
 *    faulted stuck, so asc-token keeps their default (it dies) — the watchdog covers them as it covers SIGKILL;
 *  - SIGPROF: V8's CPU profiler (`--cpu-prof`) samples with it; a listener would take its ticks and pass each on to
 *    COMMAND. Sent from outside, it ends asc-token, and the watchdog covers it;
 *  - SIGPIPE and SIGXFSZ, which Node ignores: they end nothing, so there is nothing to clean up.
 *
 * For an end that cannot be caught there is the watchdog: a `/bin/sh` started before COMMAND, in a session of its
 * own, ignoring the job's signals, holding the read end of a pipe whose only writer is asc-token (libuv opens it
 * close-on-exec, and COMMAND is started after it). However asc-token ends, the kernel closes that pipe; the watchdog
 * then sends COMMAND SIGTERM (SIGKILL 5 s later if it is still there) and removes the token's directory. It kills
 * COMMAND only if the process under that ID is still the one asc-token started — the same start time, read from
 * `/proc/PID/stat` (Linux) or `ps -o lstart=` (macOS) when it was started — so a recycled process ID is never hit.
 * Linux has `prctl(PR_SET_PDEATHSIG)` for this, but Node offers no way to set it for a child.
 *
 * What remains: if the watchdog is killed with asc-token (SIGKILL to the whole process tree or session, as a CI
 * runner's last resort after SIGINT and SIGTERM), COMMAND runs on and the file stays — in its 0700 directory, mode
 * 0600, readable by the same OS user only, valid until the token expires (at most the profile's ttl, ten minutes by
 * default; refreshes stop with asc-token). On Windows (no signals to forward, no /bin/sh) there is no watchdog.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/** The signals asc-token passes on to COMMAND: those that end a Node process, can be caught, and this platform has. */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = (
  ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTRAP', 'SIGABRT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGXCPU', 'SIGVTALRM', 'SIGIO', 'SIGPWR', 'SIGSYS', 'SIGEMT', 'SIGLOST'] as NodeJS.Signals[]
).filter((signal) => Object.hasOwn(constants.signals, signal));

/**
 * The watchdog's script: $1 is the token's directory; its stdin gives "PID START" once COMMAND runs, then stays open
 * until asc-token ends.
 */
const WATCHDOG = `
trap '' HUP INT QUIT TERM USR1 USR2 ALRM PIPE XCPU XFSZ VTALRM PROF
dir=$1
IFS=' ' read -r pid start || pid=
cat >/dev/null 2>&1
same() {
  [ -n "$pid" ] && [ -n "$start" ] || return 1
  if [ -r "/proc/$pid/stat" ]; then
    s=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    set -- \${s##*) }
    [ "$1" != Z ] && [ "\${20}" = "$start" ]
  else
    set -- $(ps -o lstart= -p "$pid" 2>/dev/null)
    [ "$*" = "$start" ]
  fi
}
if same; then kill -TERM "$pid" 2>/dev/null; fi
rm -rf -- "$dir"
n=0
while same && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
if same; then kill -KILL "$pid" 2>/dev/null; fi
`;

/** When a process started, as the watchdog will read it (undefined when it cannot be read: no kill then). */
export function processStart(pid: number): string | undefined {
  try {
    if (process.platform === 'linux') {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      return stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[19];
    }
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/).join(' ') || undefined;
  } catch {
    return undefined;
  }
}

export interface Watchdog {
  /** COMMAND is running as `pid`, started at `start` (default: read now, see {@link processStart}). */
  watch(pid: number, start?: string): void;
  /** asc-token is done (COMMAND ended, the directory removed): the watchdog exits without doing anything. */
  release(): void;
}

/** Start the watchdog for the token's directory `dir`, before COMMAND. */
export function startWatchdog(dir: string): Watchdog {
  if (process.platform === 'win32') return { watch: () => {}, release: () => {} };
  let child: ChildProcess | undefined;
  try {
    child = spawn('/bin/sh', ['-c', WATCHDOG, 'asc-token-watchdog', dir], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    child.on('error', () => {}); // no /bin/sh: exec still runs, without the watchdog
    child.stdin?.on('error', () => {});
    child.unref();
  } catch {
    child = undefined;
  }
  return {
    watch: (pid, start = processStart(pid)) => {
      if (start !== undefined) child?.stdin?.write(`${pid} ${start}\n`);
    },
    release: () => {
      child?.stdin?.end();
      (child?.stdin as { unref?: () => void } | null | undefined)?.unref?.();
    },
  };
}
