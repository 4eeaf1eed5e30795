package dev.leakgate.memcheck;

/** Bytes in blocks, as in "64 bytes in 2 blocks". */
public record Amount(long bytes, long blocks) {

    public static final Amount ZERO = new Amount(0, 0);

    public Amount plus(long moreBytes, long moreBlocks) {
        return new Amount(bytes + moreBytes, blocks + moreBlocks);
    }

    @Override
    public String toString() {
        return bytes + " bytes in " + blocks + " blocks";
    }
}
