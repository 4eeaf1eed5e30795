package dev.leakgate.board.ssh;

import dev.leakgate.config.Settings;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchChangedHostKeyException;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.JSchUnknownHostKeyException;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a connection to a board failed, in words that say what to do: an unknown or changed host key,
 * a refused login, no shared algorithm (with the setting that adds one the board offers), no answer,
 * nothing listening.
 */
final class ConnectFailure {

    private ConnectFailure() {
    }

    /** A {@code name="value"} field of JSch's negotiation failure message. */
    private static String field(String message, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(message);
        return m.find() ? m.group(1) : null;
    }

    /** The real algorithms of a proposal, without the markers that only signal extensions. */
    private static List<String> algorithms(String proposal) {
        return proposal == null ? List.of() : Arrays.stream(proposal.split(","))
                .filter(a -> !a.startsWith("ext-info-") && !a.startsWith("kex-strict-") && !a.startsWith("kexguess"))
                .toList();
    }

    static String explain(SshTarget target, String name, JSchException e) {
        String m = String.valueOf(e.getMessage());
        String where = name.equals(target.toString()) ? name : name + " (" + target + ")";
        if (e instanceof JSchUnknownHostKeyException) {
            return "the host key of " + where + " is not known, and leakgate does not trust a key on first use: "
                    + "check the board's key and add it to " + target.knownHosts()
                    + " (ssh-keyscan -p " + target.port() + " " + target.host() + " after checking its fingerprint"
                    + " on the board), or set leakgate.ssh.knownHosts";
        }
        if (e instanceof JSchChangedHostKeyException || m.contains("HostKey has been changed")) {
            return "the host key of " + where + " does not match the expected key: this may not be the board you"
                    + " meant (or it was reinstalled); check it, then update "
                    + (target.pinnedHostKey() != null ? "the pinned key" : String.valueOf(target.knownHosts()));
        }
        if (m.startsWith("Auth fail") || m.contains("Auth cancel")) {
            return "cannot log in to " + where + " as " + target.user() + ": the board refused the "
                    + (target.privateKey() != null && target.password() != null ? "key and the password"
                    : target.privateKey() != null ? "key" : target.password() != null ? "password" : "login (no key or"
                    + " password was given)")
                    + "; set leakgate.ssh.password (LEAKGATE_SSH_PASSWORD) or leakgate.ssh.key";
        }
        if (m.startsWith("Algorithm negotiation fail")) {
            String kind = field(m, "algorithmName");
            String theirs = field(m, "serverProposal");
            String what = switch (kind == null ? "" : kind) {
                case "kex" -> "key exchange";
                case "server_host_key" -> "host key";
                case "cipher.s2c", "cipher.c2s" -> "cipher";
                case "mac.s2c", "mac.c2s" -> "MAC";
                default -> String.valueOf(kind);
            };
            String setting = kind == null ? "kex" : kind.replaceFirst("\\.(s2c|c2s)$", "");
            List<String> offered = algorithms(theirs);
            String first = offered.stream().filter(a -> JSch.getConfig(a) != null).findFirst()
                    .orElse(offered.isEmpty() ? "NAME" : offered.get(0));
            return where + " and leakgate share no " + what + " algorithm: the board offers "
                    + String.join(", ", offered) + "; leakgate offered "
                    + String.join(", ", algorithms(field(m, "jschProposal"))) + ". Add one the board offers with "
                    + Settings.SSH_ALGORITHMS + "=" + setting + "=+" + first + " (an old SSH server may only have"
                    + " SHA-1 ones; updating its firmware is the better fix)";
        }
        if (m.contains("timeout") || m.contains("timed out")) {
            return "no SSH answer from " + where + " within " + target.connectTimeout().toSeconds()
                    + " s: check that the board is on and the address and port are right";
        }
        if (m.contains("Connection refused")) {
            return "nothing listens for SSH at " + where + ": start sshd on the board or fix the port";
        }
        return "cannot connect to " + where + ": " + m;
    }
}
