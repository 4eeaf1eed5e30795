package dev.leakgate.memcheck;

import java.util.List;

/**
 * An element of the report that this version of leakgate does not interpret, kept as it was read
 * so that nothing in the report is dropped.
 *
 * @param path     where it stood, e.g. {@code valgrindoutput/error/newthing}
 * @param text     its text, without that of its children, trimmed
 * @param children its child elements
 */
public record XmlElement(String path, String text, List<XmlElement> children) {

    public XmlElement {
        children = List.copyOf(children);
    }

    /** The element's own name: the last part of its path. */
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
