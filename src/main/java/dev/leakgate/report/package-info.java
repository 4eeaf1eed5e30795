/**
 * What a person reads after a run: the HTML page of each run (verdict, stacks, the memory chart with its
 * marks and leak checks, raw files) and the index of all tests with their history.
 *
 * <p>Audience: the adapters, which write the pages; users read the pages, not the classes.
 */
package dev.leakgate.report;
