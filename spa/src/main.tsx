import { StrictMode, startTransition } from "react";
import { createRoot } from "react-dom/client";
import "leaflet/dist/leaflet.css";
import "./index.css";
import { App } from "./App";

const root = document.getElementById("root");
if (root) {
  // A transition: React renders the first screen in slices, yielding to the browser between
  // them, instead of in one long task the page cannot answer input during.
  startTransition(() => {
    createRoot(root).render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
  });
}
