export const NOTE_TITLE_MAX = 200;
export const NOTE_BODY_MAX = 20_000;
export const NOTE_PAGE_MAX = 50;

export interface Note {
  id: string;
  title: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface NoteSearchHit {
  id: string;
  title: string;
  excerpt: string;
  rank: number;
  createdAt: string;
}
