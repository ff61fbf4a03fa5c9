/** esbuild bundles a page's CSS imports into its stylesheet; to TypeScript they are modules with no exports. */
declare module '*.css';
