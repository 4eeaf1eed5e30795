package dev.leakgate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape the main code keeps, read from its sources: packages whose imports form no cycle (every
 * arrow points down the layers the README's Layout lists), no package over a quarter of the code,
 * no file over 450 lines, and a package-info.java in every package.
 */
class ArchitectureTests {

    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.leakgate\\.([\\w.]+?)\\.[A-Z]",
            Pattern.MULTILINE);

    private static final Map<String, Set<String>> ARROWS = new TreeMap<>();
    private static final Map<String, Integer> LINES = new TreeMap<>();
    private static final Map<Path, Integer> FILE_LINES = new TreeMap<>();

    @BeforeAll
    static void read() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(MAIN)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).toList();
        }
        for (Path f : files) {
            String text = Files.readString(f);
            Matcher p = PACKAGE.matcher(text);
            assertThat(p.find()).as(f + " declares its package").isTrue();
            String pkg = p.group(1).replace("dev.leakgate.", "");
            int lines = (int) text.lines().count();
            LINES.merge(pkg, lines, Integer::sum);
            FILE_LINES.put(f, lines);
            Set<String> to = ARROWS.computeIfAbsent(pkg, k -> new TreeSet<>());
            Matcher i = IMPORT.matcher(text);
            while (i.find()) {
                if (!i.group(1).equals(pkg)) {
                    to.add(i.group(1));
                }
            }
        }
    }

    @Test
    void noPackageImportsOneThatImportsItBack() {
        List<List<String>> cycles = new ArrayList<>();
        for (String start : ARROWS.keySet()) {
            // a path back to start through the arrows is a cycle
            Deque<List<String>> paths = new ArrayDeque<>();
            paths.add(List.of(start));
            Set<String> seen = new HashSet<>();
            while (!paths.isEmpty()) {
                List<String> path = paths.poll();
                for (String next : ARROWS.getOrDefault(path.get(path.size() - 1), Set.of())) {
                    if (next.equals(start)) {
                        List<String> cycle = new ArrayList<>(path);
                        cycle.add(start);
                        cycles.add(cycle);
                    } else if (seen.add(next)) {
                        List<String> longer = new ArrayList<>(path);
                        longer.add(next);
                        paths.add(longer);
                    }
                }
            }
        }
        assertThat(cycles).as("package import cycles; arrows: " + ARROWS).isEmpty();
    }

    @Test
    void noPackageHoldsMoreThanAQuarterOfTheCode() {
        int total = LINES.values().stream().mapToInt(Integer::intValue).sum();
        Map<String, Integer> over = new HashMap<>();
        LINES.forEach((pkg, n) -> {
            if (n * 4 > total) {
                over.put(pkg, n);
            }
        });
        assertThat(over).as("packages over a quarter of " + total + " lines: " + LINES).isEmpty();
    }

    @Test
    void noFileIsLongerThan450Lines() {
        assertThat(FILE_LINES).as("main files over 450 lines").allSatisfy((f, n) -> assertThat(n).as(f.toString())
                .isLessThanOrEqualTo(450));
    }

    @Test
    void everyPackageSaysItsRoleInAPackageInfo() throws IOException {
        for (String pkg : LINES.keySet()) {
            Path info = MAIN.resolve(("dev.leakgate." + pkg).replace('.', '/')).resolve("package-info.java");
            assertThat(info).as(pkg).isRegularFile();
            assertThat(Files.readString(info)).as(pkg).contains("Audience");
        }
    }
}
