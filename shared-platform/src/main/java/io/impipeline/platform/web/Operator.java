package io.impipeline.platform.web;


/**
 * Who makes a change through the API: the request header {@value #HEADER}, trimmed, 1 to {@value #MAX_LENGTH}
 * printable characters (letters, marks, digits, punctuation, symbols, spaces); {@value #DEFAULT} when the header is
 * absent. Anything else is a 400: the name goes into the audit log and the trace, and must not forge anything there.
 * The service token, not this header, authorises; the header only says which person (or tool) it was.
 */
public record Operator(String name) {

    public static final String HEADER = "X-Operator";
    public static final String DEFAULT = "api";
    public static final int MAX_LENGTH = 64;
    public static final Operator API = new Operator(DEFAULT);

    public static Operator of(String header) {
        if (header == null) {
            return API;
        }
        String name = header.strip();
        int length = name.codePointCount(0, name.length());
        if (length < 1 || length > MAX_LENGTH) {
            throw ApiException.invalidField(HEADER + " must be 1 to " + MAX_LENGTH + " characters after trimming, was "
                    + length);
        }
        if (!name.codePoints().allMatch(Operator::printable)) {
            throw ApiException.invalidField(HEADER + " must hold printable characters only (no control or format "
                    + "characters)");
        }
        return new Operator(name);
    }

    static boolean printable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                 Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
                 Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.SPACE_SEPARATOR,
                 Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.CONNECTOR_PUNCTUATION, Character.OTHER_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                 Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    @Override
    public String toString() {
        return name;
    }
}
