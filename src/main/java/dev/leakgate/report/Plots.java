package dev.leakgate.report;

import java.util.List;
import java.util.Locale;

/** Small inline SVG plots for the report pages: no script, every label escaped. */
final class Plots {

    private static final int W = 640;
    private static final int H = 220;
    private static final int PAD = 40;

    private Plots() {
    }

    /**
     * Bars of {@code bars} (one per label, red) with a line through {@code line} (blue), each on its
     * own scale; negative values (unknown) are left out.
     */
    static String bars(List<String> labels, List<Long> bars, List<Long> line, String barName, String lineName) {
        int n = labels.size();
        long maxBar = Math.max(1, bars.stream().mapToLong(Long::longValue).max().orElse(1));
        long maxLine = Math.max(1, line.stream().mapToLong(Long::longValue).max().orElse(1));
        double slot = (W - 2.0 * PAD) / Math.max(1, n);
        StringBuilder s = open("scenarios");
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < n; i++) {
            double x = PAD + slot * i;
            long b = bars.get(i);
            if (b > 0) {
                double hgt = (H - 2.0 * PAD) * b / maxBar;
                s.append(String.format(Locale.ROOT, "<rect class=\"lost\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
                        + " height=\"%.1f\" fill=\"#c62828\"/>%n", x + slot * 0.15, H - PAD - hgt, slot * 0.7, hgt));
            }
            long l = line.get(i);
            if (l >= 0) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x + slot / 2,
                        H - PAD - (H - 2.0 * PAD) * l / maxLine));
            }
            String label = labels.get(i).length() > 24 ? labels.get(i).substring(0, 24) + "..." : labels.get(i);
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">", x + 2, H - PAD + 14 + (i % 2) * 11))
                    .append(HtmlReport.esc(label)).append("</text>\n");
        }
        if (points.length() > 0) {
            s.append("<polyline class=\"heap\" fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\"")
                    .append(points.toString().strip()).append("\"/>\n");
        }
        s.append(String.format(Locale.ROOT, "<text x=\"2\" y=\"%d\" font-size=\"11\" fill=\"#c62828\">%d B %s</text>%n",
                PAD - 20, maxBar, HtmlReport.esc(barName)));
        s.append(String.format(Locale.ROOT, "<text x=\"2\" y=\"%d\" font-size=\"11\" fill=\"#1565c0\">%d B %s</text>%n",
                PAD - 6, maxLine, HtmlReport.esc(lineName)));
        return s.append("</svg>\n").toString();
    }

    /** A growth series: heap (red) and resident set (blue) over runs, the warm-up shaded. */
    static String growth(List<long[]> samples, long warmupRuns) {
        long maxRun = Math.max(1, samples.stream().mapToLong(x -> x[0]).max().orElse(1));
        long maxBytes = Math.max(1, samples.stream().mapToLong(x -> Math.max(x[1], x[2])).max().orElse(1));
        StringBuilder s = open("growth");
        double warm = PAD + (W - 2.0 * PAD) * Math.min(warmupRuns, maxRun) / maxRun;
        s.append(String.format(Locale.ROOT, "<rect class=\"warmup\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\""
                + " fill=\"#eeeeee\"/>%n", PAD, PAD, warm - PAD, H - 2 * PAD));
        for (int series = 1; series <= 2; series++) {
            StringBuilder pts = new StringBuilder();
            for (long[] x : samples) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", PAD + (W - 2.0 * PAD) * x[0] / maxRun,
                        H - PAD - (H - 2.0 * PAD) * x[series] / maxBytes));
            }
            s.append("<polyline class=\"").append(series == 1 ? "heap" : "rss").append("\" fill=\"none\" stroke=\"")
                    .append(series == 1 ? "#c62828" : "#1565c0").append("\" stroke-width=\"2\" points=\"")
                    .append(pts.toString().strip()).append("\"/>\n");
        }
        s.append(String.format(Locale.ROOT, "<text x=\"2\" y=\"%d\" font-size=\"11\">%.1f KB</text>%n", PAD - 4,
                maxBytes / 1024.0));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%d runs</text>%n", W - PAD - 30,
                H - 8, maxRun));
        return s.append("</svg>\n").toString();
    }

    private static StringBuilder open(String cls) {
        return new StringBuilder("<svg class=\"").append(cls).append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(W).append("\" height=\"").append(H).append("\" viewBox=\"0 0 ").append(W).append(' ').append(H)
                .append("\" role=\"img\">\n<rect x=\"0\" y=\"0\" width=\"").append(W).append("\" height=\"").append(H)
                .append("\" fill=\"#fff\" stroke=\"#ccc\"/>\n");
    }
}
