import containerQueries from "@tailwindcss/container-queries";

/** @type {import('tailwindcss').Config} */
export default {
  content: ["./index.html", "./src/**/*.{ts,tsx}"],
  theme: {
    extend: {
      fontFamily: {
        sans: [
          "'Noto Sans KR'",
          "'Apple SD Gothic Neo'",
          "'Malgun Gothic'",
          "NanumGothic",
          "NanumBarunGothic",
          "system-ui",
          "sans-serif",
        ],
      },
    },
  },
  // The tabs lay out by the width they get (the HA panel beside them takes 340 px on a wide
  // screen), not by the window's: @container queries.
  plugins: [containerQueries],
};
