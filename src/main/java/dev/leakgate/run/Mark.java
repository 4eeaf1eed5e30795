package dev.leakgate.run;

/** A moment the test named while the program ran ("100 GetStreamUri sent"), drawn on the memory timeline. */
public record Mark(String label, long elapsedMillis) {
}
