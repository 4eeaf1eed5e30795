package dev.leakgate.board;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfSection;

/**
 * What names an ELF file's separate debug file, the two ways valgrind looks for one: its GNU
 * build-id ({@code .note.gnu.build-id}, looked up as {@code .build-id/xx/rest.debug}) and its
 * debug link ({@code .gnu_debuglink}, a file name looked up beside the object and under the debug
 * folders); and whether it has a symbol table of its own.
 */
record ElfIds(String buildId, String debugLink, boolean hasSymbols, int machine) {

    private static final int NT_GNU_BUILD_ID = 3;

    static ElfIds of(ElfFile elf) {
        ByteOrder order = elf.ei_data == ElfFile.DATA_MSB ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        return new ElfIds(buildId(elf.firstSectionByName(".note.gnu.build-id"), order),
                debugLink(elf.firstSectionByName(".gnu_debuglink")),
                elf.firstSectionByName(".symtab") != null, elf.e_machine);
    }

    /** Where a debug file with this build-id sits under a debug folder: {@code .build-id/49/057d….debug}. */
    String buildIdPath() {
        return buildId == null ? null : ".build-id/" + buildId.substring(0, 2) + "/" + buildId.substring(2) + ".debug";
    }

    private static String buildId(ElfSection notes, ByteOrder order) {
        if (notes == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(notes.getData()).order(order);
        while (b.remaining() >= 12) {
            int nameSize = b.getInt();
            int descSize = b.getInt();
            int type = b.getInt();
            int namePadded = (nameSize + 3) & ~3;
            int descPadded = (descSize + 3) & ~3;
            if (nameSize < 0 || descSize < 0 || b.remaining() < namePadded + descSize) {
                return null;
            }
            byte[] name = new byte[nameSize];
            b.get(name);
            b.position(b.position() + namePadded - nameSize);
            byte[] desc = new byte[descSize];
            b.get(desc);
            if (type == NT_GNU_BUILD_ID && new String(name, StandardCharsets.US_ASCII).startsWith("GNU")
                    && descSize >= 2) {
                return HexFormat.of().formatHex(desc);
            }
            b.position(Math.min(b.limit(), b.position() + descPadded - descSize));
        }
        return null;
    }

    private static String debugLink(ElfSection link) {
        if (link == null) {
            return null;
        }
        byte[] data = link.getData();
        int end = 0;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return end == 0 ? null : new String(data, 0, end, StandardCharsets.UTF_8);
    }
}
