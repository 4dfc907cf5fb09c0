package ai.apprentice.learn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A learning run as a self-contained HTML page (inline SVG, no scripts, opens offline) with its JSON beside it: the
 * held-out pass^k learning curve with its 95% band against rollouts spent, every candidate with the gate's
 * evidence, the playbook before and after, and what it cost.
 */
public final class LearnReport {
    private LearnReport() {}

    public static void write(Path html, ObjectNode report) throws IOException {
        var base = html.toString().replaceAll("\\.html?$", "");
        if (html.toAbsolutePath().getParent() != null) Files.createDirectories(html.toAbsolutePath().getParent());
        Files.writeString(Path.of(base + ".json"), report.toPrettyString());
        Files.writeString(html, html(report));
    }

    static String html(JsonNode r) {
        var sb = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>apprentice learn ")
                .append(esc(r.path("env").asText())).append("</title><style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}"
                        + ".ok{color:#070}.no{color:#a00}svg{background:#fafafa;border:1px solid #ddd}</style></head><body>");
        sb.append("<h1>Learning on ").append(esc(r.path("env").asText())).append("</h1>");
        sb.append(String.format(Locale.ROOT, "<p>%s: %d rollouts of a budget of %d (%d training, %d gate), %d rounds; %d accepted, %d rejected; stopped: %s.</p>",
                esc(r.path("id").asText()), r.at("/rollouts/total").asInt(), r.path("budget").asInt(), r.at("/rollouts/train").asInt(),
                r.at("/rollouts/gate").asInt(), r.path("rounds").asInt(), r.path("accepted").asInt(), r.path("rejected").asInt(),
                esc(r.path("stop_reason").asText())));
        sb.append(String.format(Locale.ROOT, "<p>Training: %s tasks %s. Held out: %s tasks %s. The gate: pass^%d, 95%% interval of the paired difference above zero.</p>",
                esc(r.at("/train/split").asText()), esc(r.at("/train/tasks").toString()), esc(r.at("/holdout/split").asText()),
                esc(r.at("/holdout/tasks").toString()), r.path("k").asInt()));
        sb.append("<h2>Held-out pass^").append(r.path("k").asInt()).append(" against rollouts</h2>").append(curve(r.path("curve"), r.path("budget").asInt()));
        sb.append("<h2>Candidates</h2><table><tr><th>round</th><th>candidate</th><th>decision</th><th>delta</th><th>95% CI</th><th>rollouts</th><th>evaluations</th></tr>");
        for (var d : r.path("decisions")) {
            boolean ok = d.path("accepted").asBoolean();
            sb.append("<tr><td>").append(d.path("round").asInt()).append("</td><td>").append(esc(d.path("candidate").asText()))
                    .append("</td><td class=\"").append(ok ? "ok" : "no").append("\">").append(ok ? "accepted" : "rejected").append(": ")
                    .append(esc(d.path("reason").asText())).append("</td><td>")
                    .append(d.has("delta") ? String.format(Locale.ROOT, "%+.3f", d.path("delta").asDouble()) : "").append("</td><td>")
                    .append(d.has("ci95") ? String.format(Locale.ROOT, "[%+.3f, %+.3f]", d.at("/ci95/0").asDouble(), d.at("/ci95/1").asDouble()) : "")
                    .append("</td><td>").append(d.path("rollouts").asInt()).append("</td><td>")
                    .append(d.has("candidate_eval") ? "<code>apprentice eval compare " + esc(d.path("incumbent_eval").asText()) + " "
                            + esc(d.path("candidate_eval").asText()) + "</code>" : "").append("</td></tr>");
        }
        sb.append("</table>");
        for (var which : new String[] {"playbook_before", "playbook_after"}) {
            sb.append("<h2>Playbook ").append(which.endsWith("before") ? "before" : "after").append("</h2>");
            if (r.path(which).isEmpty()) sb.append("<p>(no lessons)</p>");
            else {
                sb.append("<table><tr><th>id</th><th>lesson</th><th>helpful</th><th>harmful</th></tr>");
                for (var l : r.path(which)) {
                    sb.append("<tr><td>").append(esc(l.path("id").asText())).append("</td><td>").append(esc(l.path("text").asText()))
                            .append("</td><td>").append(l.path("helpful").asInt()).append("</td><td>").append(l.path("harmful").asInt()).append("</td></tr>");
                }
                sb.append("</table>");
            }
        }
        sb.append(String.format(Locale.ROOT, "<p>Playbook: %d of %d tokens. Rollouts: $%.4f, %d input + %d output tokens. Proposer: %d input + %d output tokens. Wall time %.1f s.</p>",
                r.path("playbook_tokens").asInt(), r.path("playbook_token_budget").asInt(), r.at("/rollout_cost/cost_usd").asDouble(),
                r.at("/rollout_cost/input_tokens").asLong(), r.at("/rollout_cost/output_tokens").asLong(), r.at("/reflector/input_tokens").asLong(),
                r.at("/reflector/output_tokens").asLong(), r.path("wall_ms").asLong() / 1000.0));
        if (!r.path("problems").isEmpty()) {
            sb.append("<h2>Problems</h2><ul>");
            for (var p : r.path("problems")) sb.append("<li>round ").append(p.path("round").asInt()).append(": ").append(esc(p.path("problem").asText())).append("</li>");
            sb.append("</ul>");
        }
        return sb.append("</body></html>\n").toString();
    }

    private static String curve(JsonNode points, int budget) {
        int w = 640, h = 260, pad = 44;
        var sb = new StringBuilder("<svg width=\"" + w + "\" height=\"" + h + "\" role=\"img\" aria-label=\"learning curve\">");
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
                        + "<text x=\"%d\" y=\"%d\">rollouts (budget %d)</text><text x=\"4\" y=\"%d\">pass^k</text><text x=\"%d\" y=\"%d\">1</text><text x=\"%d\" y=\"%d\">0</text>",
                pad, h - pad, w - pad, h - pad, pad, pad, pad, h - pad, w / 2 - 60, h - 8, budget, pad - 10, pad - 14, pad + 4, pad - 14, h - pad));
        if (points.isEmpty()) return sb.append("<text x=\"60\" y=\"120\">no gate ran</text></svg>").toString();
        var line = new StringBuilder();
        var band = new StringBuilder();
        var back = new StringBuilder();
        for (var p : points) {
            double x = pad + p.path("rollouts").asDouble() / Math.max(1, budget) * (w - 2.0 * pad);
            double y = h - pad - p.path("pass_hat_k").asDouble() * (h - 2.0 * pad);
            double lo = h - pad - p.at("/ci95/0").asDouble() * (h - 2.0 * pad);
            double hi = h - pad - p.at("/ci95/1").asDouble() * (h - 2.0 * pad);
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            band.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, hi));
            back.insert(0, String.format(Locale.ROOT, "%.1f,%.1f ", x, lo));
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f6feb\"><title>%d rollouts: %.3f</title></circle>",
                    x, y, p.path("rollouts").asInt(), p.path("pass_hat_k").asDouble()));
        }
        sb.insert(sb.indexOf("<circle"), "<polygon fill=\"#1f6feb22\" stroke=\"none\" points=\"" + band + back + "\"/>");
        return sb.append("<polyline fill=\"none\" stroke=\"#1f6feb\" points=\"").append(line).append("\"/></svg>").toString();
    }

    private static String esc(String s) {
        return ai.apprentice.eval.Report.esc(s);
    }

}
