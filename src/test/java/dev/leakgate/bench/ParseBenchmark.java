package dev.leakgate.bench;

import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakTotals;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.memcheck.MemcheckXmlParser;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * One measurement of the parse benchmark, run in a JVM of its own (the script caps its heap):
 * {@code ParseBenchmark MODE FILE}, MODE one of {@code raw} (sequential read, the limit),
 * {@code jdk-stax} (a count-only loop over the JDK's built-in StAX reader) and {@code leakgate}
 * (the full report model). Prints one line: mode, seconds, MB/s, peak heap MB, and what was read.
 */
public final class ParseBenchmark {

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path file = Path.of(args[1]);
        long size = Files.size(file);
        long start = System.nanoTime();
        String what = switch (mode) {
            case "raw" -> raw(file);
            case "jdk-stax" -> jdkStaxCount(file);
            case "leakgate" -> leakgate(file);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s %.3f %.1f %.1f %s%n", mode, seconds, size / 1e6 / seconds, peakHeapMb(), what);
    }

    private static String raw(Path file) throws IOException {
        long sum = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf) > 0) {
                buf.flip();
                sum += buf.remaining();
                buf.clear();
            }
        }
        return "bytes=" + sum;
    }

    private static String jdkStaxCount(Path file) throws IOException, XMLStreamException {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        long elements = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            XMLStreamReader r = f.createXMLStreamReader(in);
            while (r.hasNext()) {
                if (r.next() == XMLStreamConstants.START_ELEMENT) {
                    elements++;
                }
            }
            r.close();
        }
        return "elements=" + elements;
    }

    private static String leakgate(Path file) {
        MemcheckReport report = new MemcheckXmlParser().parse(file);
        if (!report.isComplete()) {
            throw new IllegalStateException("incomplete: " + report.problems());
        }
        LeakTotals t = report.totals();
        StringBuilder s = new StringBuilder("records=" + (report.leakRecords().size()
                + report.finalLeakCheck().orElseThrow().omittedRecords()));
        for (LeakKind k : new LeakKind[] {LeakKind.DEFINITELY_LOST, LeakKind.INDIRECTLY_LOST,
            LeakKind.POSSIBLY_LOST, LeakKind.STILL_REACHABLE}) {
            s.append(' ').append(k.name().toLowerCase()).append('=').append(t.bytes(k)).append('/').append(t.blocks(k));
        }
        return s.toString();
    }

    private static double peakHeapMb() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / 1024.0 / 1024.0;
    }
}
