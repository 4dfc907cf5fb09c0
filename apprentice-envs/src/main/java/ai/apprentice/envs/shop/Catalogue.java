package ai.apprentice.envs.shop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The shop's products, generated from a seed: categories with product types, attributes (what a product is:
 * "cotton", "noise cancelling") and options (what the buyer picks: colour, size), with prices drawn per type.
 * Option values are distinct across a category's dimensions, so a click on "large" means one thing.
 */
public final class Catalogue {
    /** A category's vocabulary: its product types, attributes and option dimensions. */
    record Kind(String category, List<String> types, List<String> attributes, Map<String, List<String>> options, int minPrice, int maxPrice) {}

    public record Product(String id, String category, String type, String title, List<String> attributes,
                          Map<String, List<String>> options, double price, double rating, String description) {}

    static final List<String> BRANDS = List.of("Nordvik", "Alder & Co", "Brightwell", "Casamora", "Driftline", "Everpeak",
            "Fennick", "Greywood", "Halcyon", "Ironbark", "Juniper Lane", "Kestrel", "Lumen", "Mooring", "Northgate",
            "Oakhollow", "Pemberly", "Quayside", "Redfern", "Saltmarsh");

    static final List<Kind> KINDS = List.of(
            new Kind("clothing", List.of("shirt", "hoodie", "t-shirt", "sweater", "jacket"),
                    List.of("cotton", "slim fit", "long sleeve", "machine washable", "wrinkle free", "organic", "moisture wicking", "button down", "fleece lined"),
                    opts("color", List.of("black", "white", "navy", "grey", "olive", "burgundy", "sky blue"), "size", List.of("small", "medium", "large", "x-large", "xx-large")), 12, 90),
            new Kind("shoes", List.of("running shoe", "sneaker", "hiking boot", "sandal", "loafer"),
                    List.of("non slip", "waterproof", "memory foam", "lightweight", "leather", "breathable mesh", "arch support", "wide fit"),
                    opts("color", List.of("black", "white", "brown", "tan", "red", "charcoal"), "size", List.of("7", "8", "9", "10", "11", "12")), 25, 160),
            new Kind("audio", List.of("headphones", "earbuds", "bluetooth speaker", "soundbar"),
                    List.of("noise cancelling", "wireless", "waterproof", "long battery life", "foldable", "built-in microphone", "bass boost", "usb-c charging"),
                    opts("color", List.of("black", "white", "silver", "midnight blue", "rose gold"), "style", List.of("standard", "with case", "travel bundle")), 20, 350),
            new Kind("grocery", List.of("coffee", "green tea", "granola", "olive oil", "dark chocolate"),
                    List.of("organic", "gluten free", "fair trade", "non gmo", "sugar free", "vegan", "kosher", "low sodium"),
                    opts("flavor", List.of("original", "vanilla", "hazelnut", "mint", "sea salt", "cinnamon"), "size", List.of("8 ounce", "12 ounce", "16 ounce", "2 pound", "pack of 3")), 4, 40),
            new Kind("beauty", List.of("shampoo", "face moisturizer", "sunscreen", "lip balm", "body wash"),
                    List.of("paraben free", "fragrance free", "cruelty free", "for sensitive skin", "spf 50", "hyaluronic acid", "travel size", "dermatologist tested"),
                    opts("scent", List.of("unscented", "lavender", "citrus", "coconut", "eucalyptus"), "size", List.of("1 fl oz", "3.4 fl oz", "8 fl oz", "16 fl oz")), 5, 60),
            new Kind("home", List.of("desk lamp", "throw blanket", "pillow", "wall clock", "curtain"),
                    List.of("dimmable", "led", "machine washable", "blackout", "hypoallergenic", "silent", "usb charging port", "easy to assemble"),
                    opts("color", List.of("ivory", "slate", "mustard", "teal", "beige", "black"), "size", List.of("standard", "queen", "king", "twin")), 15, 140),
            new Kind("bags", List.of("backpack", "duffel bag", "laptop sleeve", "tote bag", "messenger bag"),
                    List.of("water resistant", "anti theft", "padded laptop compartment", "vegan leather", "lightweight", "usb charging port", "expandable", "carry-on size"),
                    opts("color", List.of("black", "khaki", "forest green", "maroon", "denim blue"), "capacity", List.of("15 inch", "17 inch", "20 liter", "30 liter", "40 liter")), 18, 180),
            new Kind("electronics", List.of("phone case", "usb-c cable", "power bank", "wireless charger", "screen protector"),
                    List.of("fast charging", "shockproof", "slim", "magnetic", "braided", "tempered glass", "compatible with iphone", "compatible with samsung"),
                    opts("color", List.of("clear", "black", "lavender", "mint green", "coral"), "model", List.of("6.1 inch", "6.7 inch", "3 feet", "6 feet", "10000mah", "20000mah")), 6, 80));

    private static Map<String, List<String>> opts(String a, List<String> av, String b, List<String> bv) {
        var m = new LinkedHashMap<String, List<String>>();
        m.put(a, av);
        m.put(b, bv);
        return m;
    }

    private final List<Product> products;
    private final Map<String, Integer> indexById = new java.util.HashMap<>();

    private Catalogue(List<Product> products) {
        this.products = List.copyOf(products);
        for (int i = 0; i < products.size(); i++) indexById.put(products.get(i).id(), i);
    }

    public List<Product> products() {
        return products;
    }

    /** The product's position in {@link #products()}, or -1. */
    public int indexOf(String id) {
        return indexById.getOrDefault(id.toUpperCase(Locale.ROOT), -1);
    }

    public Product byId(String id) {
        int i = indexOf(id);
        return i < 0 ? null : products.get(i);
    }

    public static Catalogue generate(long seed, int size) {
        var rnd = new Random(seed);
        var out = new ArrayList<Product>(size);
        var ids = new java.util.HashSet<String>();
        for (int i = 0; i < size; i++) {
            var kind = KINDS.get(i % KINDS.size());
            String type = pick(rnd, kind.types());
            String brand = pick(rnd, BRANDS);
            var attributes = sample(rnd, kind.attributes(), 3 + rnd.nextInt(3));
            var options = new LinkedHashMap<String, List<String>>();
            kind.options().forEach((dim, values) -> options.put(dim, sample(rnd, values, 2 + rnd.nextInt(Math.min(4, values.size() - 1)))));
            double price = kind.minPrice() + rnd.nextInt((kind.maxPrice() - kind.minPrice()) * 100) / 100.0;
            String id;
            do id = asin(rnd); while (!ids.add(id));
            // The title names two of the attributes, as real listings do; the rest appear in the description.
            String title = brand + " " + capitalize(attributes.get(0)) + " " + capitalize(attributes.get(1)) + " " + capitalize(type);
            String description = "A " + type + " by " + brand + ". Features: " + String.join(", ", attributes) + ". Available "
                    + String.join("; ", options.entrySet().stream().map(e -> e.getKey() + ": " + String.join(", ", e.getValue())).toList()) + ".";
            out.add(new Product(id, kind.category(), type, title, List.copyOf(attributes), java.util.Collections.unmodifiableMap(options),
                    price, 3 + rnd.nextInt(21) / 10.0, description));
        }
        return new Catalogue(out);
    }

    static Kind kind(String category) {
        return KINDS.stream().filter(k -> k.category().equals(category)).findFirst().orElseThrow();
    }

    private static String asin(Random rnd) {
        var sb = new StringBuilder("B0");
        String alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
        for (int i = 0; i < 8; i++) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        return sb.toString();
    }

    static <T> T pick(Random rnd, List<T> xs) {
        return xs.get(rnd.nextInt(xs.size()));
    }

    /** {@code n} distinct elements in the order they were drawn. */
    static <T> List<T> sample(Random rnd, List<T> xs, int n) {
        var pool = new ArrayList<>(xs);
        var out = new ArrayList<T>(n);
        for (int i = 0; i < n && !pool.isEmpty(); i++) out.add(pool.remove(rnd.nextInt(pool.size())));
        return out;
    }

    private static String capitalize(String s) {
        var words = s.split(" ");
        var sb = new StringBuilder();
        for (var w : words) {
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        }
        return sb.toString();
    }
}
