/**
 * valgrind's XML and the model read from it: the protocol read safely and fast
 * ({@link dev.leakgate.memcheck.MemcheckXmlParser} over {@link dev.leakgate.memcheck.XmlScanner}, no
 * DOCTYPE, bounded memory), the report ({@link dev.leakgate.memcheck.MemcheckReport}: errors, loss
 * records, stacks, mid-run leak checks, totals added up as valgrind's own LEAK SUMMARY does) and what
 * the report says about itself (complete, cut off, of another tool or protocol). Nothing here runs a
 * program or judges a report.
 *
 * <p>Audience: every other package; a test author meets {@code MemcheckReport}, {@code LeakKind} and
 * {@code LeakRecord}, usually through the AssertJ assertions.
 */
package dev.leakgate.memcheck;
