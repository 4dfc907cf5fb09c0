package ai.apprentice.envs.textworld;

/**
 * A parsed command with its objects resolved: {@code a} is a direction for GO, else a thing (or -1);
 * {@code b} is the second thing (the key of OPEN/UNLOCK, the container of PUT, the creature of GIVE) or -1.
 */
record Command(Verb verb, int a, int b) {
    enum Verb { GO, TAKE, DROP, OPEN, UNLOCK, PUT, GIVE, LIGHT, LOOK, INVENTORY, EXAMINE, HELP }

    static Command of(Verb verb) {
        return new Command(verb, -1, -1);
    }

    static Command of(Verb verb, int a) {
        return new Command(verb, a, -1);
    }

    /** The command in the words the parser reads back, e.g. "open the gold door with the gold key". */
    String text(World w) {
        return switch (verb) {
            case GO -> "go " + World.DIRECTIONS[a];
            case TAKE, DROP, LIGHT, EXAMINE -> verb.name().toLowerCase() + " the " + w.name(a);
            case OPEN -> "open the " + w.name(a) + (b >= 0 ? " with the " + w.name(b) : "");
            case UNLOCK -> "unlock the " + w.name(a) + " with the " + w.name(b);
            case PUT -> "put the " + w.name(a) + " in the " + w.name(b);
            case GIVE -> "give the " + w.name(a) + " to the " + w.name(b);
            case LOOK, INVENTORY, HELP -> verb.name().toLowerCase();
        };
    }
}
