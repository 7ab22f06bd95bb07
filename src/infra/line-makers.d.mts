// Types of line-makers.mjs (documented there).
export declare function lineMaker(format: { module: string; name: string }): Promise<(doc: Record<string, unknown>) => string>;
