package ai.apprentice.envs.sql;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Generates the sql environment's databases and questions from a seed: three schemas (store, school,
 * library) filled with seeded random rows in real SQLite files, and questions from templates whose
 * parameters are drawn from the data, each with its gold query. The same seed gives the same files and
 * the same tasks.
 */
final class SqlWorld {
    static final List<String> SCHEMAS = List.of("store", "school", "library");
    private static final String[] CITIES = {"Lisbon", "Oslo", "Quito", "Hanoi", "Accra", "Perth", "Lyon", "Osaka"};
    private static final String[] FIRST = {"Ada", "Ben", "Chen", "Dana", "Eli", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kemal", "Lea"};
    private static final String[] LAST = {"Silva", "Berg", "Mora", "Nguyen", "Mensah", "Clark", "Petit", "Sato", "Okafor", "Novak"};
    private static final String[] CATEGORIES = {"books", "garden", "kitchen", "toys", "tools", "music"};
    private static final String[] COUNTRIES = {"Chile", "Kenya", "Japan", "Norway", "Peru", "Italy"};

    private SqlWorld() {}

    /** Creates the database of a schema for a seed in {@code dir} (once) and returns its file. */
    static synchronized Path database(Path dir, String schema, long seed) throws SQLException {
        var file = dir.resolve(schema + "-" + seed + ".db");
        if (Files.exists(file)) return file;
        var tmp = dir.resolve(schema + "-" + seed + ".db.tmp");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(tmp);
        } catch (java.io.IOException e) {
            throw new SQLException("cannot prepare " + dir + ": " + e.getMessage(), e);
        }
        var rnd = new Random(seed * 31 + schema.hashCode());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp); var st = c.createStatement()) {
            c.setAutoCommit(false);
            switch (schema) {
                case "store" -> {
                    st.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, joined_year INTEGER NOT NULL)");
                    st.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, price REAL NOT NULL)");
                    st.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), "
                            + "product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL, order_year INTEGER NOT NULL)");
                    for (int i = 1; i <= 60; i++) st.execute(String.format("INSERT INTO customers VALUES (%d, '%s', '%s', %d)", i, name(rnd), pick(rnd, CITIES), 2015 + rnd.nextInt(10)));
                    for (int i = 1; i <= 40; i++) st.execute(String.format(java.util.Locale.ROOT, "INSERT INTO products VALUES (%d, 'item-%d', '%s', %.2f)", i, i, pick(rnd, CATEGORIES), 2 + rnd.nextInt(19800) / 100.0));
                    for (int i = 1; i <= 400; i++) st.execute(String.format("INSERT INTO orders VALUES (%d, %d, %d, %d, %d)", i, 1 + rnd.nextInt(60), 1 + rnd.nextInt(40), 1 + rnd.nextInt(5), 2019 + rnd.nextInt(6)));
                }
                case "school" -> {
                    st.execute("CREATE TABLE students (id INTEGER PRIMARY KEY, name TEXT NOT NULL, grade INTEGER NOT NULL)");
                    st.execute("CREATE TABLE courses (id INTEGER PRIMARY KEY, title TEXT NOT NULL, credits INTEGER NOT NULL)");
                    st.execute("CREATE TABLE enrollments (student_id INTEGER NOT NULL REFERENCES students(id), course_id INTEGER NOT NULL REFERENCES courses(id), "
                            + "score INTEGER NOT NULL, PRIMARY KEY (student_id, course_id))");
                    for (int i = 1; i <= 80; i++) st.execute(String.format("INSERT INTO students VALUES (%d, '%s', %d)", i, name(rnd), 9 + rnd.nextInt(4)));
                    String[] titles = {"Algebra", "Biology", "Chemistry", "Drawing", "Economics", "French", "Geography", "History", "Informatics", "Judo"};
                    for (int i = 1; i <= titles.length; i++) st.execute(String.format("INSERT INTO courses VALUES (%d, '%s', %d)", i, titles[i - 1], 1 + rnd.nextInt(6)));
                    for (int s = 1; s <= 80; s++) {
                        for (int co = 1; co <= titles.length; co++) {
                            if (rnd.nextInt(3) == 0) st.execute(String.format("INSERT INTO enrollments VALUES (%d, %d, %d)", s, co, 40 + rnd.nextInt(61)));
                        }
                    }
                }
                case "library" -> {
                    st.execute("CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL)");
                    st.execute("CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, author_id INTEGER NOT NULL REFERENCES authors(id), "
                            + "year INTEGER NOT NULL, pages INTEGER NOT NULL)");
                    st.execute("CREATE TABLE loans (id INTEGER PRIMARY KEY, book_id INTEGER NOT NULL REFERENCES books(id), member TEXT NOT NULL, "
                            + "returned INTEGER NOT NULL)");
                    for (int i = 1; i <= 30; i++) st.execute(String.format("INSERT INTO authors VALUES (%d, '%s', '%s')", i, name(rnd), pick(rnd, COUNTRIES)));
                    for (int i = 1; i <= 120; i++) st.execute(String.format("INSERT INTO books VALUES (%d, 'Book %d', %d, %d, %d)", i, i, 1 + rnd.nextInt(30), 1950 + rnd.nextInt(75), 80 + rnd.nextInt(900)));
                    for (int i = 1; i <= 300; i++) st.execute(String.format("INSERT INTO loans VALUES (%d, %d, '%s', %d)", i, 1 + rnd.nextInt(120), name(rnd), rnd.nextInt(4) == 0 ? 0 : 1));
                }
                default -> throw new SQLException("unknown schema " + schema);
            }
            c.commit();
        }
        try {
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new SQLException("cannot finish " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    /** The task of a given index: schema and template by index, parameters from a seeded generator. */
    static SqlTask task(long seed, int index, Function<String, String> firstValueOf) {
        var rnd = new Random(seed * 1_000_003L + index);
        String schema = SCHEMAS.get(index % SCHEMAS.size());
        int template = (index / SCHEMAS.size()) % 4;
        return switch (schema) {
            case "store" -> switch (template) {
                case 0 -> {
                    String city = pick(rnd, CITIES);
                    yield new SqlTask(schema, "How many customers live in " + city + "?", "SELECT COUNT(*) FROM customers WHERE city = '" + city + "'", false);
                }
                case 1 -> {
                    String cat = pick(rnd, CATEGORIES);
                    yield new SqlTask(schema, "List the names of the products in the " + cat + " category, most expensive first.",
                            "SELECT name FROM products WHERE category = '" + cat + "' ORDER BY price DESC, name", true);
                }
                case 2 -> {
                    int year = 2019 + rnd.nextInt(6);
                    yield new SqlTask(schema, "What was the total quantity ordered in " + year + "?",
                            "SELECT SUM(quantity) FROM orders WHERE order_year = " + year, false);
                }
                default -> {
                    int n = 7 + rnd.nextInt(4);
                    yield new SqlTask(schema, "Which customers (names) placed more than " + n + " orders?",
                            "SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id HAVING COUNT(*) > " + n, false);
                }
            };
            case "school" -> switch (template) {
                case 0 -> {
                    String title = firstValueOf.apply("SELECT title FROM courses WHERE id = " + (1 + rnd.nextInt(10)));
                    yield new SqlTask(schema, "What is the average score in " + title + "?",
                            "SELECT AVG(e.score) FROM enrollments e JOIN courses c ON c.id = e.course_id WHERE c.title = '" + title + "'", false);
                }
                case 1 -> {
                    int grade = 9 + rnd.nextInt(4);
                    yield new SqlTask(schema, "How many students in grade " + grade + " are enrolled in at least one course?",
                            "SELECT COUNT(DISTINCT s.id) FROM students s JOIN enrollments e ON e.student_id = s.id WHERE s.grade = " + grade, false);
                }
                case 2 -> {
                    int credits = 1 + rnd.nextInt(5);
                    yield new SqlTask(schema, "List the titles of the courses worth more than " + credits + " credits.",
                            "SELECT title FROM courses WHERE credits > " + credits, false);
                }
                default -> new SqlTask(schema, "Which student (name) has the highest average score? Give the name and the average.",
                        "SELECT s.name, AVG(e.score) AS a FROM students s JOIN enrollments e ON e.student_id = s.id GROUP BY s.id ORDER BY a DESC, s.id LIMIT 1", false);
            };
            default -> switch (template) {
                case 0 -> {
                    String country = pick(rnd, COUNTRIES);
                    int year = 1960 + rnd.nextInt(50);
                    yield new SqlTask(schema, "List the titles of books by authors from " + country + " published after " + year + ".",
                            "SELECT b.title FROM books b JOIN authors a ON a.id = b.author_id WHERE a.country = '" + country + "' AND b.year > " + year, false);
                }
                case 1 -> new SqlTask(schema, "How many loans have not been returned?", "SELECT COUNT(*) FROM loans WHERE returned = 0", false);
                case 2 -> {
                    int k = 3 + rnd.nextInt(3);
                    yield new SqlTask(schema, "List the titles of the " + k + " longest books, longest first.",
                            "SELECT title FROM books ORDER BY pages DESC, id LIMIT " + k, true);
                }
                default -> new SqlTask(schema, "Which country's authors wrote the most books? Give the country.",
                        "SELECT a.country FROM books b JOIN authors a ON a.id = b.author_id GROUP BY a.country ORDER BY COUNT(*) DESC, a.country LIMIT 1", false);
            };
        };
    }

    private static String name(Random rnd) {
        return pick(rnd, FIRST) + " " + pick(rnd, LAST);
    }

    private static String pick(Random rnd, String[] values) {
        return values[rnd.nextInt(values.length)];
    }
}
