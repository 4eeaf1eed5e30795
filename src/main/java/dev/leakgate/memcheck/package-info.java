/**
 * valgrind memcheck and its results: the command leakgate builds ({@link dev.leakgate.memcheck.MemcheckCommand}),
 * running it on this machine ({@link dev.leakgate.memcheck.LocalMemcheckRunner}) and the processes a run
 * leaves behind, the XML protocol read safely into a report model
 * ({@link dev.leakgate.memcheck.MemcheckXmlParser}, {@link dev.leakgate.memcheck.MemcheckReport}), the
 * run's identity and files, and the gate that judges a run ({@link dev.leakgate.memcheck.LeakGate}) with
 * its failure text.
 *
 * <p>Audience: runners and tools built on leakgate's core (the {@code run} package, the command line
 * tool, other test frameworks). A JUnit test author touches only {@code MemcheckReport},
 * {@code LeakKind} and the {@code Outcome} of a verdict, usually through the AssertJ assertions.
 * Issue 18 splits it by role (running processes, valgrind's XML and model, judging).
 */
package dev.leakgate.memcheck;
