package dev.leakgate.board;

import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.RemoteProcess;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.MemorySampler;
import dev.leakgate.process.MemoryTimeline;
import dev.leakgate.process.ProcessReport;
import dev.leakgate.process.RunFiles;
import dev.leakgate.process.RunIdentity;
import dev.leakgate.process.RunningProgram;
import dev.leakgate.process.Termination;
import dev.leakgate.process.ValgrindLog;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A program running under valgrind on the board. */
/**
 * A program running under valgrind on a board over SSH, started by {@link BoardMemcheckRunner#start}: its
 * output streams back into the local run folder, and its end fetches the reports and proves them its own.
 */
final class BoardProcess extends RunningProgram {
    private final BoardMemcheckRunner runner;
    private final SshBoard board;
    private final String remoteRun;
    private final RemoteProcess remote;
    private final MemorySampler sampler;
    private final OutputStream out;
    private final OutputStream err;
    private final List<Integer> forwarded = new ArrayList<>();
    private final List<UdpRelay> relays = new ArrayList<>();
    private String lost;
    private boolean ending;
    private MemcheckRun finished;

    BoardProcess(BoardMemcheckRunner runner, MemcheckCommand command, RunFiles files, String remoteRun,
                 RemoteProcess remote, MemorySampler sampler, OutputStream out, OutputStream err,
                 long startNanos, Duration timeout, String lost) {
        super(command, files, startNanos, timeout);
        this.runner = runner;
        this.board = runner.board();
        this.remoteRun = remoteRun;
        this.remote = remote;
        this.sampler = sampler;
        this.out = out;
        this.err = err;
        this.lost = lost;
    }

    @Override
    public MemoryTimeline memorySoFar() {
        return sampler.sofar();
    }

    @Override
    public String runFolder() {
        return remoteRun;
    }

    @Override
    public String where() {
        return board.name();
    }

    @Override
    public void send(byte[] input) {
        if (remote != null) {
            remote.write(input);
        }
    }

    @Override
    public void closeStdin() {
        if (remote != null) {
            remote.closeStdin();
        }
    }

    @Override
    public boolean awaitEnd(Duration wait) {
        if (remote == null) {
            return true;
        }
        try {
            return remote.awaitEnd(wait);
        } catch (BoardException e) {
            lost = e.getMessage();
            throw e;
        }
    }

    @Override
    public boolean hasExited() {
        return remote == null || remote.hasExited();
    }

    @Override
    public void signal(String signalName) {
        if (remote != null) {
            remote.signal(signalName);
        }
    }

    @Override
    public Termination endInSteps(Duration stdinGrace, Duration termGrace) {
        if (remote == null) {
            return Termination.BOARD_LOST;
        }
        ending = true;
        try {
            return remote.endInSteps(stdinGrace, termGrace);
        } catch (BoardException e) {
            lost = e.getMessage();
            return Termination.BOARD_LOST;
        }
    }

    @Override
    public MemcheckRun finish(Termination termination, String stopSignal) {
        if (finished != null) {
            return finished;
        }
        sampler.close();
        unforward();
        // Some SSH servers (Debian 12's dropbear) drop the connection as a channel closes. When the
        // board had already reported the program's end, what it left on the board is whole: connect
        // again and fetch it; the run identity check below still proves the files are this run's.
        // Without that report, or once leakgate had begun to end the run, a drop stays a lost board.
        if (lost == null && remote != null && remote.droppedBeforeItsEnd()) {
            // its own connection went down with it: what a later command of leakgate's saw over a new
            // connection does not say how the program ended
            lost = board.lost(null).getMessage();
        }
        boolean endReported = remote != null && remote.endReported();
        String dropped = null;
        if (lost != null && endReported && !ending && board.reconnect()) {
            dropped = lost;
            lost = null;
            if (termination == Termination.BOARD_LOST) {
                termination = Termination.EXITED;
            }
        }
        SshBoard.Outcome outcome = remote == null || lost != null ? null : remote.finish(termination);
        if (remote != null) {
            remote.close();
        }
        BoardMemcheckRunner.closeQuietly(out);
        BoardMemcheckRunner.closeQuietly(err);
        MemoryTimeline memory = sampler.stop();
        if (!memory.points().isEmpty()) {
            memory.writeCsv(files.memory());
        }
        List<String> runProblems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        long pid = -1;
        List<ProcessReport> children = List.of();
        if (lost == null) {
            try { // the results first, then the clean-up; each once more after a drop the board survived
                Map<String, Path> fetch = new LinkedHashMap<>();
                fetch.put(remoteRun + "/memcheck.xml", files.xml());
                fetch.put(remoteRun + "/memcheck.log", files.log());
                try {
                    board.files().download(fetch);
                } catch (BoardException e) {
                    if (!endReported || !board.reconnect()) {
                        throw e;
                    }
                    dropped = e.getMessage();
                    board.files().download(fetch);
                }
                boolean complete = runner.parser.parse(files.xml()).isComplete();
                List<String> ended = new ArrayList<>(BoardMemcheckRunner.parseStrays(outcome.strayOutput()));
                ended.addAll(runner.fetchChildren(remoteRun, command, files.folder(), runProblems));
                BoardMemcheckRunner.Cleanup cleanup;
                try {
                    cleanup = runner.cleanUp(remoteRun, command.runId(), !complete);
                } catch (BoardException e) {
                    if (!endReported || !board.reconnect()) {
                        throw e;
                    }
                    dropped = e.getMessage();
                    cleanup = runner.cleanUp(remoteRun, command.runId(), !complete);
                }
                pid = cleanup.pid();
                List<String> strays = new ArrayList<>(ended);
                strays.addAll(cleanup.strays());
                children = ProcessReport.read(files.folder(), command.xmlFilePrefix(), pid,
                        ProcessReport.pidsIn(strays), runner.parser);
                if (!strays.isEmpty()) {
                    notes.add("ended " + strays.size() + " process" + (strays.size() == 1 ? "" : "es")
                            + " the run left running on " + board.name() + ": " + String.join(", ", strays));
                }
                if (outcome.heldByStray()) {
                    notes.add("a process the program started kept its output open after valgrind exited;"
                            + " leakgate ended it instead of waiting for the timeout");
                }
                if (cleanup.freeKb() >= 0 && cleanup.freeKb() < 256) {
                    runProblems.add("the board's folder " + runner.remoteRoot + " on " + board.name() + " is full ("
                            + cleanup.freeKb() + " KB free), so valgrind could not write its whole report; free"
                            + " space on the board, or set leakgate.board.dir to a folder with room");
                }
            } catch (BoardException e) {
                lost = e.getMessage();
            }
        }
        if (dropped != null && lost == null) {
            notes.add("the SSH connection to " + board.name() + " dropped after the board had reported valgrind's"
                    + " end (" + (outcome.exitSignal() != null ? "signal " + outcome.exitSignal()
                    : "exit status " + outcome.exitStatus()) + "); leakgate connected again (host key checked)"
                    + " and fetched the run's files, which the run identity check proves its own. The drop: "
                    + dropped);
        }
        MemcheckReport report = runner.parser.parse(files.xml());
        runProblems.addAll(RunIdentity.problems(report, command.runId(), pid));
        Termination t = lost != null ? Termination.BOARD_LOST : termination;
        finished = new MemcheckRun(command, files, t, lost != null ? -1 : outcome.exitStatus(),
                lost != null ? null : outcome.exitSignal(), elapsed(),
                timeout, report, lost, files.stderrTail(15), ValgrindLog.problems(files.log()), runProblems, notes,
                stopSignal, children, null);
        return finished;
    }

    @Override
    public ShellResult shell(String shellCommand, Duration wait) {
        SshBoard.Result r = board.run(shellCommand, wait);
        return new ShellResult(r.exitStatus(), r.stdout(), r.stderr());
    }

    @Override
    public boolean accepts(int port) {
        return board.accepts(port);
    }

    @Override
    public InetSocketAddress forward(int port) {
        InetSocketAddress a = board.forward(port);
        forwarded.add(a.getPort());
        return a;
    }

    @Override
    public InetSocketAddress forwardUdp(int port, String relay) {
        if (relay == null) {
            throw UdpRelay.missing(port, board);
        }
        UdpRelay r = UdpRelay.start(board, relay, port, command.runId());
        synchronized (relays) {
            relays.add(r);
        }
        return r.address();
    }

    private void unforward() {
        forwarded.forEach(board::unforward);
        forwarded.clear();
        synchronized (relays) {
            relays.forEach(UdpRelay::close);
            relays.clear();
        }
    }

    @Override
    public void close() {
        sampler.close();
        unforward();
        if (finished == null && remote != null && lost == null) {
            try { // never finished: end what runs and remove the folder, keeping nothing
                remote.kill();
                runner.cleanUp(remoteRun, command.runId(), false);
            } catch (BoardException e) {
                // the board is gone; the next leakgate reaps what is left
            }
        }
        if (remote != null) {
            remote.close();
        }
        BoardMemcheckRunner.closeQuietly(out);
        BoardMemcheckRunner.closeQuietly(err);
    }
}
