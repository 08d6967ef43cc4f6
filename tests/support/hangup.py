"""Runs a command on a pseudo-terminal, as in a terminal window, and closes the window when told.

Prints {"pid": N} once the command runs. A line on stdin closes the terminal: the kernel sends SIGHUP to the
command (the session leader), and one more SIGHUP follows at once, as an interactive shell sends its jobs when its
terminal goes. Then prints {"code": C, "signal": S} when the command ends. What the command writes to the terminal
is read and dropped, so that it never blocks on a full terminal.
"""
import json, os, pty, select, signal, sys

pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
print(json.dumps({"pid": pid}), flush=True)
watched = [master, sys.stdin]
while True:
    ready, _, _ = select.select(watched, [], [])
    if sys.stdin in ready:
        sys.stdin.readline()
        os.close(master)
        os.kill(pid, signal.SIGHUP)
        break
    try:
        os.read(master, 65536)
    except OSError:  # the command has ended and closed the terminal
        watched = [sys.stdin]
_, status = os.waitpid(pid, 0)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
sig = signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else None
print(json.dumps({"code": code, "signal": sig}), flush=True)
