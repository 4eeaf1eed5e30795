package dev.leakgate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The README's pom snippet names this project's own coordinates (scripts/fresh-project.sh builds it). */
class ReadmeTests {

    private static Document xml(String text) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String child(Element e, String name) {
        NodeList n = e.getElementsByTagName(name);
        return n.getLength() == 0 ? null : n.item(0).getTextContent().strip();
    }

    @Test
    void pomSnippetUsesThisProjectsCoordinates() throws Exception {
        Document pom = xml(Files.readString(Path.of("pom.xml")));
        String group = child(pom.getDocumentElement(), "groupId");
        String artifact = child(pom.getDocumentElement(), "artifactId");
        String version = child(pom.getDocumentElement(), "version");
        Matcher m = Pattern.compile("(?s)```xml\n(.*?)```").matcher(Files.readString(Path.of("README.md")));
        assertThat(m.find()).as("a pom snippet in README.md").isTrue();

        NodeList deps = xml(m.group(1)).getElementsByTagName("dependency");
        boolean found = false;
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            if (artifact.equals(child(d, "artifactId"))) {
                assertThat(child(d, "groupId")).isEqualTo(group);
                assertThat(child(d, "version")).isEqualTo(version);
                found = true;
            }
        }
        assertThat(found).as("the snippet depends on " + group + ":" + artifact).isTrue();
        assertThat(Files.readString(Path.of("README.md"))).contains("`" + group + ":" + artifact + ":" + version + "`");
    }
}
