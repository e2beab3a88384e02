// ESLint flat config: typescript-eslint's recommended type-aware rules plus Pulumi's rules
// against Outputs in template literals (they print "Calling [toString] on an [Output<T>]").
const tseslint = require("typescript-eslint");
const pulumi = require("@pulumi/eslint-plugin");

module.exports = tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "app/**", ".cache/**", ".local/**", "eslint.config.js"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
    {
        // The TypeScript loader and the suite's read recorder are CommonJS by necessity: node -r loads
        // them before any TypeScript can be.
        files: ["scripts/register.js", "test/teamReads.js"],
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        // Layers point one way: settings -> components -> resources. Components take plain args;
        // they never read configuration, the stack name, or test and tooling code.
        files: ["components/**/*.ts", "lib/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        { group: ["**/stacks", "**/stacks/**"], message: "components take plain args; settings are read in stacks/ only" },
                        { group: ["**/test/**", "**/offline/**", "**/scripts/**"], message: "components do not depend on tests or tools" },
                    ],
                },
            ],
        },
    },
);
