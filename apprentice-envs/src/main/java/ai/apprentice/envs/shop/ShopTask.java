package ai.apprentice.envs.shop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * What the shopper wants: a product type, attributes it must have, one value per option, and a price ceiling,
 * all read off one target product so that a perfect purchase exists.
 */
public record ShopTask(String instruction, String targetId, String category, String type, List<String> attributes,
                      Map<String, String> options, double priceCeiling) {

    static ShopTask draw(Catalogue catalogue, long seed, int index) {
        var rnd = new Random(seed * 1_000_003L + index);
        var target = catalogue.products().get(rnd.nextInt(catalogue.products().size()));
        var attributes = Catalogue.sample(rnd, target.attributes(), 1 + rnd.nextInt(2));
        var options = new LinkedHashMap<String, String>();
        target.options().forEach((dim, values) -> options.put(dim, Catalogue.pick(rnd, values)));
        double ceiling = Math.ceil(target.price() * (1.1 + rnd.nextDouble() * 0.9));
        String wants = String.join(" and ", attributes);
        String picks = String.join(" and ", options.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
        String instruction = String.format(Locale.ROOT, "i am looking for a %s that is %s, with %s, and price lower than %.2f dollars",
                target.type(), wants, picks, ceiling);
        return new ShopTask(instruction, target.id(), target.category(), target.type(), List.copyOf(attributes), java.util.Collections.unmodifiableMap(options), ceiling);
    }
}
