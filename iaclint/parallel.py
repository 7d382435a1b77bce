"""Work split between this process and forked workers: the one mechanism every parallel stage uses (files parsed
up front, parts of the graph).  Not the rules: a worker forked once the graph is built copies every page its
refcounts touch (the 5,000-module corpus went from 590 MB to 940 MB summed PSS to save 0.7 s of its rules).

N numbered pieces of work are claimed one at a time: this process takes them from the front, JOBS - 1 forked
workers from the back, until the two meet (``_Claims``, a counter pair in shared memory).  Nobody waits while a
piece sits in a queue for someone busy (a ProcessPoolExecutor queues pieces ahead for its workers: on the
500-module corpus this process sat idle for a second of 3.5).  A worker sends each piece's result back pickled
(a queue with a feeder thread: it never waits for this process to read), and this process turns it into the
piece's result in order, after this process's pieces (all of which come before a worker's): what the pieces add
lands in the order one process would have added it.  A piece a worker could not run or send, or claimed and
never sent because it died, is run here, last.

Workers are forked, never spawned: they inherit every module and the state the pieces read, and nothing is
pickled on the way there.  Fork is used only when this process has no other thread (a lock another thread held
would stay held in the child), and only where the platform has it; otherwise everything runs here.
"""
from __future__ import annotations


def split(n: int, here, jobs: int, *, there=None, merge=None, done=None) -> list:
    """[result of piece i for i in 0..N-1].  HERE(i): piece i run in this process.  With JOBS > 1 (and fork, and
    no other thread), JOBS - 1 workers claim pieces from the back and run THERE(i) (default HERE), whose pickled
    result MERGE(i, payload) turns into piece i's result here (default: the payload itself).  DONE(i): called
    here once piece i's result is in (progress)."""
    import multiprocessing
    import threading

    results: list = [None] * n
    finished = [False] * n

    def land(i: int, result) -> None:
        results[i], finished[i] = result, True
        if done is not None:
            done(i)

    if jobs > 1 and n >= 2 and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        try:
            _pooled(n, here, there or here, merge, jobs - 1, land)
        except Exception:  # noqa: BLE001 - a broken pool (no semaphores, no processes…): run here below
            pass
    for i in range(n):
        if not finished[i]:
            land(i, here(i))
    return results


class _Claims:
    """Pieces [front, back) nobody has claimed yet, shared by forked processes: this process takes from the
    front, workers from the back."""

    def __init__(self, ctx, n: int):
        self._lock = ctx.Lock()
        self._ends = ctx.RawArray("i", [0, n])

    def front(self) -> int | None:
        with self._lock:
            i, end = self._ends
            if i >= end:
                return None
            self._ends[0] = i + 1
            return i

    def back(self) -> int | None:
        with self._lock:
            start, end = self._ends
            if start >= end:
                return None
            self._ends[1] = end - 1
            return end - 1

    def meeting_point(self) -> int:
        """Pieces from here on were claimed by workers (once nothing is left to claim)."""
        with self._lock:
            return self._ends[1]


def _pooled(n: int, here, there, merge, workers: int, land) -> None:
    """Pieces run here from the front and by WORKERS forked workers from the back; LAND(i, result) takes each
    piece's result here, this process's as they finish, the workers' after them in order."""
    import multiprocessing
    import pickle
    import queue as queues

    ctx = multiprocessing.get_context("fork")
    claims = _Claims(ctx, n)
    sent = ctx.Queue()  # (i, pickled result or None) from the workers
    procs = [ctx.Process(target=_worker, args=(there, claims, sent), daemon=True) for _ in range(workers)]
    got: dict = {}
    broken = [False]  # a worker died in the middle of a message: nothing more is read

    def receive(block: bool) -> bool:
        if broken[0]:
            return False
        try:
            i, blob = sent.get(timeout=0.2) if block else sent.get_nowait()
        except queues.Empty:
            return False
        except (EOFError, OSError, pickle.UnpicklingError):  # a message cut short: its writer is gone
            broken[0] = True
            return False
        got[i] = None if blob is None else (pickle.loads(blob),)  # unpickled now: between this process's pieces
        return True

    try:
        for p in procs:
            p.start()
        sent._writer.close()  # only workers write: a worker's death mid-message is then an end of file, not a hang
        while (i := claims.front()) is not None:
            land(i, here(i))
            while receive(False):  # what the workers sent meanwhile: their pipe drained, its memory here
                pass
        theirs = range(claims.meeting_point(), n)
        while any(i not in got for i in theirs) and not broken[0]:
            if not receive(True) and not any(p.is_alive() for p in procs):
                break  # a worker died: the pieces it claimed are run here (split's loop)
        for i in sorted(got):  # in order: this process ran every piece before them, so all land in order
            sent_back = got.pop(i)  # popped: freed once merged
            if sent_back is not None:
                payload = sent_back[0]
                land(i, merge(i, payload) if merge else payload)
    except BaseException:  # Ctrl-C (the workers ignore it) or a piece's error here: the workers' work is moot
        for p in procs:
            p.kill()
        raise
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join()
        sent.close()


def _worker(there, claims: _Claims, sent) -> None:
    """In a forked worker: claim pieces from the back and send each result pickled, None when running or
    pickling it failed (the parent runs that piece itself: its error, if any, is raised or recorded there)."""
    import pickle
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent handles it
    while (i := claims.back()) is not None:
        try:
            blob = pickle.dumps(there(i), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - see above
            blob = None
        sent.put((i, blob))
