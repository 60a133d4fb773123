// The plaintext of a sealed worksheet, as web/schema/worksheet.schema.json describes it.
// Only what the page reads is typed; everything else is carried along unchanged.

export type Who = "joint" | "a" | "b";
export type Partner = "a" | "b";

export interface Question {
  text: string;
  category: string;
  why: string;
}

export interface RatingItem {
  id: string;
  label: string;
  min: number;
  max: number;
  low: string;
  high: string;
  anchors: string[];
}

export interface Part {
  step: string;
  title: string;
  prompts: string[];
  private: boolean;
  kind: "read" | "text" | "choice" | "checklist" | "rating" | "questions";
  respondents?: Who[];
  stems?: string[];
  options?: string[];
  multiple?: boolean;
  items?: string[];
  raters?: Partner[];
  scale?: RatingItem[];
  categories?: string[];
}

export type Answer =
  | { step: string; kind: "text"; who: Who; text: string }
  | { step: string; kind: "choice"; who: Who; chosen: string[] }
  | { step: string; kind: "checklist"; who: Who; ticked: string[] }
  | { step: string; kind: "rating"; rater: Partner; item: string; value: number }
  | { step: string; kind: "questions"; questions: Question[] };

export interface Worksheet {
  magic: string;
  format: number;
  worksheet: {
    id: string;
    practice: string;
    for_whom: "couple" | "partner-a" | "partner-b";
    name_a: string;
    name_b: string;
    filled_at: string | null;
    [other: string]: unknown;
  };
  form: { title: string; introduction: string; parts: Part[] };
  answers: Answer[];
  list_so_far: Question[];
  [other: string]: unknown;
}

export const MAGIC = "tandem take-home worksheet";
export const FORMAT = 2;
