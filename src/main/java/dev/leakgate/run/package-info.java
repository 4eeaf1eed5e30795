/**
 * The JUnit-free core of a live run: a {@link dev.leakgate.run.Session} starts a program under valgrind on
 * a board, talks to it while it runs (a kit harness's scenarios, a daemon's ports over TCP and UDP, named
 * leak checks through the probe, marks), stops it as planned and gives back a
 * {@link dev.leakgate.run.SessionReport}, which {@link dev.leakgate.run.SessionGate} judges.
 *
 * <p>Audience: the two adapters (the JUnit extension and the command line tool) and anyone driving
 * leakgate from their own runner; the README's "The same without JUnit" shows it whole.
 */
package dev.leakgate.run;
