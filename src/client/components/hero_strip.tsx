/**
 * The first visit's strip of pictures painted by Atelier itself, when the build has any
 * (examples.json `hero`, filled by a script from the default recipes). Nothing shows otherwise.
 */
import { useEffect, useState } from "preact/hooks";
import { type HeroImage, listExamples } from "../state/examples.ts";

export function HeroStrip() {
  const [hero, setHero] = useState<HeroImage[]>([]);
  useEffect(() => {
    listExamples().then((m) => setHero(m.hero ?? []));
  }, []);
  if (!hero.length) return null;
  return (
    <section class="hero" aria-label="Painted by Atelier">
      <ul>
        {hero.map((h) => (
          <li key={h.image}>
            <figure>
              <img src={h.image} alt={h.caption} />
              <figcaption>{h.caption}</figcaption>
            </figure>
          </li>
        ))}
      </ul>
      {/* One row of pictures; the credits (photo, painting, licences, recipe) fold below. */}
      <details class="hero-credits">
        <summary>Credits</summary>
        <ul>
          {hero.map((h) => <li key={h.image}>{h.caption}: {h.credit}</li>)}
        </ul>
      </details>
    </section>
  );
}
