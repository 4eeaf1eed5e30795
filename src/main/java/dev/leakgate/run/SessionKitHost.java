package dev.leakgate.run;

/** A session as its kit client sees it ({@link KitClient.Host}). */
final class SessionKitHost implements KitClient.Host {

    private final Session session;

    SessionKitHost(Session session) {
        this.session = session;
    }

    @Override
    public boolean ended() {
        return session.ended();
    }

    @Override
    public boolean timedOut() {
        return session.timedOut();
    }

    @Override
    public long timeoutSeconds() {
        return session.timeoutSeconds();
    }

    @Override
    public String whyEnded() {
        return session.whyEnded();
    }

    @Override
    public String lastOutput() {
        return session.lastOutput();
    }

    @Override
    public void doing(String status) {
        session.doing(status);
    }

    @Override
    public int threads() {
        return session.threads();
    }
}
