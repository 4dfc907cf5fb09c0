package ai.apprentice.envs.repo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small repository shipped as resources: sources whose lines marked {@code @mutable} or {@code @guard} may
 * be mutated, visible tests, and hidden tests under {@code hidden/} that the agent never sees. Test names
 * say which function they test: {@code test_truncate__long} (Python) and {@code abbreviate__long} (Java)
 * test {@code truncate} and {@code abbreviate}. Results are keyed by class and name
 * ({@code tests.test_core.CoreTest.test_truncate__long}, {@code StringsTest.abbreviate__long}).
 */
record RepoTemplate(String name, Language language, Map<String, String> files) {
    private static final String ROOT = "/ai/apprentice/envs/repo/";
    static final Pattern MARKER = Pattern.compile("[ \\t]*(#|//) @(mutable|guard)[ \\t]*$", Pattern.MULTILINE);

    enum Language {
        PYTHON("python3 -m unittest discover -v -s tests -t .", Pattern.compile("(?m)^(test_\\w+) \\((.*?)\\) \\.\\.\\. (ok|FAIL|ERROR)"),
                Pattern.compile("^\\s*def (\\w+)\\(")),
        JAVA(null, Pattern.compile("(?m)^(ok|FAIL) (\\w+)\\.(\\w+)"),
                Pattern.compile("^\\s*(?:public |private |protected )?(?:static )?[\\w<>\\[\\]]+ (\\w+)\\(.*\\)\\s*\\{"));

        final String pythonCommand;
        final Pattern result;
        final Pattern function;

        Language(String pythonCommand, Pattern result, Pattern function) {
            this.pythonCommand = pythonCommand;
            this.result = result;
            this.function = function;
        }

        /** The function a test is about: the part of its name before "__". */
        static String functionOf(String test) {
            String bare = test.substring(test.lastIndexOf('.') + 1);
            if (bare.startsWith("test_")) bare = bare.substring(5);
            int cut = bare.indexOf("__");
            return cut < 0 ? bare : bare.substring(0, cut);
        }
    }

    static final List<RepoTemplate> ALL = load();

    private static List<RepoTemplate> load() {
        var byTemplate = new LinkedHashMap<String, Map<String, String>>();
        for (var line : read("index.txt").split("\n")) {
            if (line.isBlank()) continue;
            int slash = line.indexOf('/');
            byTemplate.computeIfAbsent(line.substring(0, slash), k -> new LinkedHashMap<>()).put(line.substring(slash + 1), read(line));
        }
        var out = new ArrayList<RepoTemplate>();
        byTemplate.forEach((name, files) -> out.add(new RepoTemplate(name, name.startsWith("java-") ? Language.JAVA : Language.PYTHON, files)));
        return List.copyOf(out);
    }

    private static String read(String path) {
        try (InputStream in = RepoTemplate.class.getResourceAsStream(ROOT + path)) {
            if (in == null) throw new IllegalStateException("missing resource " + ROOT + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean hidden(String path) {
        return path.startsWith("hidden/");
    }

    /** The files the agent gets, markers removed. */
    Map<String, String> visibleFiles() {
        var out = new LinkedHashMap<String, String>();
        files.forEach((path, text) -> {
            if (!hidden(path)) out.put(path, strip(text));
        });
        return out;
    }

    static String strip(String source) {
        Matcher m = MARKER.matcher(source);
        return m.replaceAll("");
    }

    /** Where hidden tests go when they are run: beside the visible ones. */
    static String testPathOf(String hiddenPath) {
        String file = hiddenPath.substring("hidden/".length());
        return (file.endsWith(".java") ? "test/" : "tests/") + file;
    }

    /** The command that runs every test, visible and hidden, once the hidden ones are in place. */
    String testCommand() {
        if (language == Language.PYTHON) return language.pythonCommand;
        var classes = new ArrayList<String>();
        files.keySet().stream().filter(p -> (p.startsWith("test/") || hidden(p)) && p.endsWith("Test.java"))
                .forEach(p -> classes.add(p.substring(p.lastIndexOf('/') + 1, p.length() - ".java".length())));
        return "rm -rf build && mkdir -p build && javac -nowarn -d build src/*.java test/*.java && java -cp build TestRunner " + String.join(" ", classes);
    }

    /** Test name to passed, read off a test run's output. */
    Map<String, Boolean> results(String output) {
        var out = new LinkedHashMap<String, Boolean>();
        Matcher m = language.result.matcher(output);
        while (m.find()) {
            if (language == Language.PYTHON) {
                // Python 3.11 shows "name (module.Class.name)", older ones "name (module.Class)".
                String where = m.group(2);
                out.put(where.endsWith("." + m.group(1)) ? where : where + "." + m.group(1), m.group(3).equals("ok"));
            }
            else out.put(m.group(2) + "." + m.group(3), m.group(1).equals("ok"));
        }
        return out;
    }
}
