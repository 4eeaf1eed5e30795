package dev.leakgate.memcheck;

/** A message the program wrote through a client request ({@code VALGRIND_PRINTF}). */
public record ClientMessage(int tid, String text) {
}
