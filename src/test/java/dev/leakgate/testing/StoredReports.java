package dev.leakgate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The valgrind XML reports kept with the tests ({@code src/test/resources/xml}), written by real runs. */
public final class StoredReports {

    private StoredReports() {
    }

    /** The text of the stored report {@code name}. */
    public static String text(String name) {
        try (InputStream in = StoredReports.class.getResourceAsStream("/xml/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no stored report /xml/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
