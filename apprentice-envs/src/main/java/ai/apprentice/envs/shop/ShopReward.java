package ai.apprentice.envs.shop;

import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;

/**
 * WebShop's reward, re-implemented from the paper's formula: the share of requirements the purchase meets,
 * scaled by how well its type matches.
 *
 * <pre>r = r_type * (|attributes met| + |options met| + [price <= ceiling]) / (|attributes| + |options| + 1)</pre>
 *
 * with {@code r_type} 1 for the wanted product type, 0.5 for another type of the same category, 0.1 otherwise.
 * An attribute is met when the product has it; an option when it was selected with the wanted value.
 */
final class ShopReward {
    private ShopReward() {}

    static ai.apprentice.envs.Episode.Reward score(ShopTask task, Catalogue.Product bought, Map<String, String> selected) {
        var parts = new ArrayList<String>();
        double typeFactor = bought.type().equals(task.type()) ? 1.0 : bought.category().equals(task.category()) ? 0.5 : 0.1;
        parts.add(String.format(Locale.ROOT, "type %s (wanted %s): x%.1f", bought.type(), task.type(), typeFactor));
        int met = 0;
        var attrs = new ArrayList<String>();
        for (var a : task.attributes()) {
            boolean ok = bought.attributes().contains(a);
            if (ok) met++;
            attrs.add(a + (ok ? " yes" : " no"));
        }
        parts.add("attributes " + String.join(", ", attrs));
        var opts = new ArrayList<String>();
        for (var e : task.options().entrySet()) {
            String chosen = selected.get(e.getKey());
            boolean ok = e.getValue().equals(chosen);
            if (ok) met++;
            opts.add(e.getKey() + " " + e.getValue() + (ok ? " yes" : chosen == null ? " no (none selected)" : " no (" + chosen + ")"));
        }
        parts.add("options " + String.join(", ", opts));
        boolean cheapEnough = bought.price() <= task.priceCeiling();
        if (cheapEnough) met++;
        parts.add(String.format(Locale.ROOT, "price $%.2f %s $%.2f", bought.price(), cheapEnough ? "<=" : ">", task.priceCeiling()));
        int total = task.attributes().size() + task.options().size() + 1;
        double r = typeFactor * met / total;
        return new ai.apprentice.envs.Episode.Reward(r, String.format(Locale.ROOT, "bought %s; %s; %d of %d requirements met -> %.3f",
                bought.id(), String.join("; ", parts), met, total, r));
    }
}
