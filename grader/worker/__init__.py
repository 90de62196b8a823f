"""Student code runs here: in a worker process, isolated, limited, distrusted.

The grader's side:

- :mod:`.worker` - the life of a worker: start, greeting, load, requests, failures, stop;
- :mod:`.limits` - what a worker may use, and the deadlines of one submission;
- :mod:`.launchers` - how a worker process starts (one interface), and the plainest way;
- :mod:`.bubblewrap`, :mod:`.unprivileged`, :mod:`.preloaded` - the other ways: in a
  bubblewrap sandbox, as a user of its own, forked from a zygote;
- :mod:`.policy` - which launcher a command gets (:func:`.policy.launcher_for`).

Inside the worker (standard library and NumPy only):

- :mod:`.inside` - the worker's loop: run the definitions, answer requests;
- :mod:`.zygote` - the preloaded process that forks workers;
- :mod:`.confine` - a worker confining itself as another user; :mod:`.kernel` - the seccomp
  filter and the system calls of confinement.

Both sides: :mod:`.wire` (frames; also the zygote's and the warm process's) and
:mod:`.values` (the plain data a frame carries).
"""
