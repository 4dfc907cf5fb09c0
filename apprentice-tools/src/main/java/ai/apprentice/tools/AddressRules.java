package ai.apprentice.tools;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Which addresses fetch_url must not reach by default, and the config entries that allow some on purpose. */
final class AddressRules {
    private AddressRules() {}

    /** An address range. */
    record Cidr(byte[] network, int prefix) {
        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            var address = literal(slash < 0 ? text : text.substring(0, slash));
            if (address == null) throw new IllegalArgumentException("not an IP address: " + text);
            int bits = address.getAddress().length * 8;
            int prefix = slash < 0 ? bits : Integer.parseInt(text.substring(slash + 1));
            if (prefix < 0 || prefix > bits) throw new IllegalArgumentException("bad prefix length in " + text);
            return new Cidr(address.getAddress(), prefix);
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) return false;
            for (int i = 0; i < prefix; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((b[i / 8] & mask) != (network[i / 8] & mask)) return false;
            }
            return true;
        }
    }

    private record Range(Cidr cidr, String kind) {}

    private static final List<Range> INTERNAL = List.of(
            range("0.0.0.0/8", "an unspecified address"),
            range("127.0.0.0/8", "a loopback address"),
            range("10.0.0.0/8", "a private address"),
            range("172.16.0.0/12", "a private address"),
            range("192.168.0.0/16", "a private address"),
            range("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
            range("169.254.0.0/16", "a link-local address (cloud metadata services live at 169.254.169.254)"),
            range("192.0.0.0/24", "a reserved address"),
            range("198.18.0.0/15", "a reserved (benchmarking) address"),
            range("224.0.0.0/4", "a multicast address"),
            range("240.0.0.0/4", "a reserved or broadcast address"),
            range("::/128", "an unspecified address"),
            range("::1/128", "a loopback address"),
            range("fc00::/7", "a private (unique local) address"),
            range("fe80::/10", "a link-local address"),
            range("fec0::/10", "a site-local address"),
            range("ff00::/8", "a multicast address"));

    private static Range range(String cidr, String kind) {
        return new Range(Cidr.parse(cidr), kind);
    }

    /** What kind of internal address this is, or null for a public one; IPv4 embedded in IPv6 is judged as IPv4. */
    static String internal(InetAddress a) {
        var embedded = embeddedIpv4(a);
        if (embedded != null) {
            var kind = internal(embedded);
            return kind == null ? null : kind + " (as " + a.getHostAddress() + ")";
        }
        for (var r : INTERNAL) if (r.cidr.contains(a)) return r.kind;
        return null;
    }

    /** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), -compatible (::/96), NAT64 (64:ff9b::/96) or 6to4 (2002::/16) one. */
    private static InetAddress embeddedIpv4(InetAddress a) {
        if (!(a instanceof Inet6Address)) return null;
        byte[] b = a.getAddress();
        boolean zero10 = Arrays.equals(Arrays.copyOf(b, 10), new byte[10]);
        byte[] v4 = null;
        if (zero10 && b[10] == (byte) 0xff && b[11] == (byte) 0xff) v4 = Arrays.copyOfRange(b, 12, 16);
        else if (zero10 && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] == 0 || b[15] == 1))) {
            v4 = Arrays.copyOfRange(b, 12, 16);
        } else if (b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b
                && Arrays.equals(Arrays.copyOfRange(b, 4, 12), new byte[8])) {
            v4 = Arrays.copyOfRange(b, 12, 16);
        } else if (b[0] == 0x20 && b[1] == 0x02) {
            v4 = Arrays.copyOfRange(b, 2, 6);
        }
        try {
            return v4 == null ? null : InetAddress.getByAddress(v4);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * An IPv4 address in any form {@code inet_aton} accepts (and so a resolver might): one to four parts, each
     * decimal, octal (leading 0) or hex (0x), the last filling the remaining bytes: {@code 2130706433},
     * {@code 0x7f.1}, {@code 0177.0.0.1}. Null when the text is not such a number.
     */
    static InetAddress looseIpv4(String host) {
        var h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (h.isEmpty() || !h.matches("(?i)[0-9a-fx.]+") || !Character.isDigit(h.charAt(0))) return null;
        var parts = h.split("\\.", -1);
        if (parts.length > 4) return null;
        long[] v = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            var p = parts[i].toLowerCase(Locale.ROOT);
            try {
                if (p.startsWith("0x")) v[i] = p.length() == 2 ? 0 : Long.parseLong(p.substring(2), 16);
                else if (p.length() > 1 && p.startsWith("0")) v[i] = Long.parseLong(p.substring(1), 8);
                else v[i] = Long.parseLong(p);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        long value = 0;
        for (int i = 0; i < parts.length - 1; i++) {
            if (v[i] > 255) return null;
            value |= v[i] << (8 * (3 - i));
        }
        long last = v[parts.length - 1];
        if (last >= 1L << (8 * (4 - (parts.length - 1)))) return null;
        value |= last;
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An address literal (IPv4 in any inet_aton form, or IPv6, brackets optional), without DNS; null otherwise. */
    static InetAddress literal(String text) {
        var t = text.strip();
        var v4 = looseIpv4(t);
        if (v4 != null) return v4;
        if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
        if (!t.contains(":") || !t.matches("(?i)[0-9a-f:.%a-z0-9]+")) return null;
        try {
            return InetAddress.getByName(t); // a literal with ':' is parsed, never looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * One {@code fetch.allow_private} entry: {@code host}, {@code host:port}, an address ({@code 10.0.0.5},
     * {@code [::1]:8080}) or a range ({@code 10.0.0.0/8}). A host name entry trusts whatever it resolves to.
     */
    record Allowed(String name, Cidr range, int port) {
        static Allowed parse(String entry) {
            var e = entry.strip();
            try {
                if (e.contains("/")) return new Allowed(null, Cidr.parse(e), -1);
                int port = -1;
                String host = e;
                if (e.startsWith("[")) {
                    int close = e.indexOf(']');
                    host = e.substring(1, close);
                    if (close + 1 < e.length()) port = Integer.parseInt(e.substring(close + 2));
                } else if (e.indexOf(':') > 0 && e.indexOf(':') == e.lastIndexOf(':')) {
                    host = e.substring(0, e.indexOf(':'));
                    port = Integer.parseInt(e.substring(e.indexOf(':') + 1));
                }
                if (host.isEmpty()) throw new IllegalArgumentException("no host");
                var address = literal(host);
                return address != null ? new Allowed(null, new Cidr(address.getAddress(), address.getAddress().length * 8), port)
                        : new Allowed(host.toLowerCase(Locale.ROOT), null, port);
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException("Bad fetch.allow_private entry '" + entry
                        + "': expected host, host:port, an IP address or a CIDR range such as 10.0.0.0/8", ex);
            }
        }

        boolean matches(String host, InetAddress address, int port) {
            if (this.port >= 0 && this.port != port) return false;
            if (name != null) return name.equalsIgnoreCase(host);
            var embedded = embeddedIpv4(address);
            return range.contains(address) || (embedded != null && range.contains(embedded));
        }
    }
}
