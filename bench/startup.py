#!/usr/bin/python3
"""bench/startup.py SPEC RUNS: start-up figures of short commands, each beside its native floor.

SPEC has one command per line, "label<TAB>command"; the command is split like a shell would (shlex)
and leading NAME=value words go to its environment. After one warm-up run of each, RUNS rounds run
every command once, interleaved, so a change in the machine's load hits all of them alike. Per run:
wall time (fork to wait4), CPU time (user+sys of the child and its threads, from wait4) and peak RSS
(ru_maxrss, what /usr/bin/time -v calls maximum resident set size). Prints one line per command:
label, median wall s, min wall s, median cpu s, median peak RSS MiB, failed runs (tab-separated).
"""
import os
import shlex
import statistics
import sys
import time


def parse(line):
    label, cmd = line.rstrip("\n").split("\t", 1)
    argv = shlex.split(cmd)
    env = dict(os.environ)
    while argv and "=" in argv[0] and not argv[0].startswith("-") and "/" not in argv[0].split("=", 1)[0]:
        k, v = argv.pop(0).split("=", 1)
        env[k] = v
    return label, argv, env


def run(argv, env):
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(os.devnull, os.O_RDWR)
            os.dup2(fd, 0)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    return time.perf_counter() - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main():
    spec, runs = sys.argv[1], int(sys.argv[2])
    cmds = [parse(l) for l in open(spec) if l.strip() and not l.startswith("#")]
    for _, argv, env in cmds:
        run(argv, env)
    results = {label: [] for label, _, _ in cmds}
    for _ in range(runs):
        for label, argv, env in cmds:
            results[label].append(run(argv, env))
    for label, _, _ in cmds:
        rs = results[label]
        wall = [r[0] for r in rs]
        print("\t".join([label, "%.3f" % statistics.median(wall), "%.3f" % min(wall),
                         "%.3f" % statistics.median(r[1] for r in rs), "%.1f" % statistics.median(r[2] for r in rs),
                         str(sum(1 for r in rs if r[3] != 0))]))


if __name__ == "__main__":
    main()
