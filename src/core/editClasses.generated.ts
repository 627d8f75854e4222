// Generated from trainer/cola_trainer/corrupt.py by `npm run gen:edit-classes`
// (python -m cola_trainer describe-edits --typescript FILE). Do not edit: change corrupt.py and regenerate.
export const EDIT_CLASSES = {
  "pronounCase": [
    [
      "he",
      "him"
    ],
    [
      "her",
      "she"
    ],
    [
      "i",
      "me"
    ],
    [
      "them",
      "they"
    ],
    [
      "us",
      "we"
    ]
  ],
  "determinerNumber": [
    [
      "that",
      "those"
    ],
    [
      "these",
      "this"
    ]
  ],
  "prepositionSwaps": {
    "about": [
      "of",
      "on"
    ],
    "among": [
      "between"
    ],
    "at": [
      "for",
      "in",
      "into",
      "on"
    ],
    "between": [
      "among",
      "from"
    ],
    "by": [
      "from",
      "with"
    ],
    "for": [
      "at",
      "of"
    ],
    "from": [
      "between",
      "by",
      "of"
    ],
    "in": [
      "at",
      "on"
    ],
    "into": [
      "at",
      "onto"
    ],
    "of": [
      "about",
      "for",
      "from",
      "with"
    ],
    "on": [
      "about",
      "at",
      "in"
    ],
    "onto": [
      "into"
    ],
    "with": [
      "by",
      "of"
    ]
  }
} as const;
