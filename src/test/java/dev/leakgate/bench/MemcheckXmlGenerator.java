package dev.leakgate.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes a large, realistic memcheck XML report (protocol 4, as valgrind 3.19 writes it) for the
 * parse benchmark: loss records of every kind with deep stacks drawn from a fixed set of call sites
 * (the same ip always has the same function, file and line, as in a real run), C++ names that need
 * escaping, invalid reads, client messages. It also writes the LEAK SUMMARY the file adds up to, so
 * the benchmark checks that the parse it times is right.
 *
 * <p>Usage: {@code MemcheckXmlGenerator OUT.xml SIZE_MB [DEPTH]}
 */
public final class MemcheckXmlGenerator {

    private static final String[] KINDS = {
        "Leak_DefinitelyLost", "Leak_IndirectlyLost", "Leak_PossiblyLost", "Leak_StillReachable"};
    private static final String[] WORDS = {"definitely lost", "indirectly lost", "possibly lost", "still reachable"};

    private final SplittableRandom random = new SplittableRandom(20261126L);
    private final String[] sites;
    private final long[] bytes = new long[4];
    private final long[] blocks = new long[4];

    private MemcheckXmlGenerator(int siteCount) {
        sites = new String[siteCount];
        for (int i = 0; i < siteCount; i++) {
            int module = i % 97;
            String fn = switch (i % 5) {
                case 0 -> "std::vector&lt;onvif::Profile" + module + "&gt;::push_back(onvif::Profile const&amp;)";
                case 1 -> "onvifStartStream_" + i;
                case 2 -> "xml_parse_node" + i;
                case 3 -> "rtsp_session_" + module + "_handle" + i;
                default -> "camera_hal_op" + i;
            };
            sites[i] = "    <frame>\n"
                    + "      <ip>0x" + Long.toHexString(0x4840000L + 16L * i).toUpperCase(Locale.ROOT) + "</ip>\n"
                    + "      <obj>/app/lib/libonvif_server_" + module + ".so</obj>\n"
                    + "      <fn>" + fn + "</fn>\n"
                    + "      <dir>/home/build/onvif-server/src/module" + module + "</dir>\n"
                    + "      <file>source_" + (i % 400) + ".c</file>\n"
                    + "      <line>" + (10 + i % 3000) + "</line>\n"
                    + "    </frame>\n";
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: MemcheckXmlGenerator OUT.xml SIZE_MB [DEPTH]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        long target = Long.parseLong(args[1]) * 1024L * 1024L;
        int depth = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        new MemcheckXmlGenerator(50_000).write(out, target, depth);
    }

    private void write(Path out, long targetBytes, int depth) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        long records;
        try (Writer w = new BufferedWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8), 1 << 16)) {
            CountingWriter c = new CountingWriter(w);
            header(c);
            for (int i = 0; i < 200; i++) {
                invalidRead(c, i, depth);
            }
            c.write("<status>\n  <state>FINISHED</state>\n  <time>00:00:01:02.003 </time>\n</status>\n\n");
            records = 0;
            while (c.count < targetBytes) {
                leakRecord(c, records++, depth);
            }
            c.write("<errorcounts>\n  <pair>\n    <count>3</count>\n    <unique>0x0</unique>\n  </pair>\n"
                    + "</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n</valgrindoutput>\n\n");
        }
        StringBuilder summary = new StringBuilder("LEAK SUMMARY (" + records + " loss records):\n");
        for (int k = 0; k < 4; k++) {
            summary.append(String.format("%15s: %d bytes in %d blocks%n", WORDS[k], bytes[k], blocks[k]));
        }
        Files.writeString(Path.of(out + ".summary"), summary.toString());
        if (System.getProperty("quiet") == null) {
            System.out.print(summary);
        }
    }

    private static void header(CountingWriter c) throws IOException {
        c.write("<?xml version=\"1.0\"?>\n\n<valgrindoutput>\n\n<protocolversion>4</protocolversion>\n"
                + "<protocoltool>memcheck</protocoltool>\n\n<preamble>\n"
                + "  <line>Memcheck, a memory error detector</line>\n"
                + "  <line>Using Valgrind-3.19.0 and LibVEX; rerun with -h for copyright info</line>\n"
                + "  <line>Command: /app/bin/onvif_test</line>\n</preamble>\n\n<pid>4242</pid>\n"
                + "<ppid>4200</ppid>\n<tool>memcheck</tool>\n\n<args>\n  <vargv>\n"
                + "    <exe>/usr/bin/valgrind.bin</exe>\n    <arg>--tool=memcheck</arg>\n"
                + "    <arg>--leak-check=full</arg>\n    <arg>--show-leak-kinds=all</arg>\n"
                + "    <arg>--xml=yes</arg>\n    <arg>--xml-file=memcheck.xml</arg>\n  </vargv>\n"
                + "  <argv>\n    <exe>/app/bin/onvif_test</exe>\n  </argv>\n</args>\n\n"
                + "<status>\n  <state>RUNNING</state>\n  <time>00:00:00:00.041 </time>\n</status>\n\n"
                + "<clientmsg>\n  <tid>1</tid>\n  <text>leakgate: begin onvifStartStream</text>\n</clientmsg>\n\n");
    }

    private void invalidRead(CountingWriter c, int i, int depth) throws IOException {
        c.write("<error>\n  <unique>0x" + Integer.toHexString(i) + "</unique>\n  <tid>1</tid>\n"
                + "  <kind>InvalidRead</kind>\n  <what>Invalid read of size 4</what>\n  <stack>\n");
        stack(c, depth);
        c.write("  </stack>\n  <auxwhat>Address 0x4a40324 is 4 bytes after a block of size 16 alloc'd</auxwhat>\n"
                + "  <stack>\n");
        stack(c, depth);
        c.write("  </stack>\n</error>\n\n");
    }

    private void leakRecord(CountingWriter c, long n, int depth) throws IOException {
        int kind = random.nextInt(4);
        long size = 8 + random.nextInt(4096);
        long count = 1 + random.nextInt(20);
        long indirect = (kind == 0 || kind == 2) && random.nextInt(3) == 0 ? 16 + random.nextInt(2048) : 0;
        bytes[kind] += size;
        blocks[kind] += count;
        long leaked = size + indirect;
        String amount = indirect > 0 ? leaked + " (" + size + " direct, " + indirect + " indirect)" : Long.toString(leaked);
        c.write("<error>\n  <unique>0x" + Long.toHexString(1000 + n) + "</unique>\n  <tid>" + (1 + n % 4)
                + "</tid>\n  <kind>" + KINDS[kind] + "</kind>\n  <xwhat>\n    <text>" + amount + " bytes in "
                + count + " blocks are " + WORDS[kind] + " in loss record " + (n + 1) + " of 999999</text>\n"
                + "    <leakedbytes>" + leaked + "</leakedbytes>\n    <leakedblocks>" + count
                + "</leakedblocks>\n  </xwhat>\n  <stack>\n");
        c.write("    <frame>\n      <ip>0x48417B4</ip>\n"
                + "      <obj>/usr/libexec/valgrind/vgpreload_memcheck-arm64-linux.so</obj>\n"
                + "      <fn>malloc</fn>\n    </frame>\n");
        stack(c, depth - 1);
        c.write("  </stack>\n</error>\n\n");
    }

    private void stack(CountingWriter c, int depth) throws IOException {
        for (int d = 0; d < depth; d++) {
            c.write(sites[random.nextInt(sites.length)]);
        }
    }

    private static final class CountingWriter {
        private final Writer w;
        long count;

        CountingWriter(Writer w) {
            this.w = w;
        }

        void write(String s) throws IOException {
            w.write(s);
            count += s.length(); // ASCII only
        }
    }
}
