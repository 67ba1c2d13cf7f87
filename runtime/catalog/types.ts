import type { Model } from '../types/decision-table.ts';

/** What gw knows of one model from a catalog, before the policy's own lines are applied. All fields optional. */
export interface CatalogEntry {
  context?: number;
  maxOutput?: number;
  /** USD per 1M tokens */
  price?: { input: number; output: number; cacheRead?: number; cacheWrite?: number };
  /** gw's capability words: tools vision reasoning embed json audio code long_context */
  capabilities?: string[];
  modalities?: { input: string[]; output: string[] };
  /** YYYY-MM-DD */
  released?: string;
  /** YYYY-MM-DD: the provider stops serving it that day */
  retires?: string;
  /** models.dev's `deprecated` means no longer served by the provider's public API */
  status?: 'alpha' | 'beta' | 'deprecated';
  /** a free tier the provider advertises (informational: a policy opts in with its own `free` line) */
  free?: CatalogFree;
}

/** A free tier the provider advertises, with its source and the day it was read: the table row's shape. */
export type CatalogFree = NonNullable<NonNullable<Model['catalog']>['free']>;

/** The layers a value can come from, lowest first. */
export type CatalogLayer = 'package' | 'update' | 'overlay';

export interface CatalogHit {
  entry: CatalogEntry;
  /** which layer gave each field */
  from: Partial<Record<keyof CatalogEntry, CatalogLayer>>;
}

export interface Catalog {
  /** a model's merged entry, or undefined when no layer knows it */
  lookup(provider: string, model: string): CatalogHit | undefined;
  /** the model names the catalog holds for a gw provider (empty when it has no data for it) */
  names(provider: string): string[];
  /** one line per layer: what it is and how old */
  describe(): string[];
}
